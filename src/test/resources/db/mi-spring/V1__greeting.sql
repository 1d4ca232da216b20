-- Applied by Flyway when the Spring context starts: the first connection of the application.
CREATE TABLE ${greetingtable} (id int PRIMARY KEY, text varchar(100) NOT NULL);
INSERT INTO ${greetingtable} (id, text) VALUES (1, 'hello from Flyway');
