CREATE TABLE flyway_demo (id INT PRIMARY KEY, note VARCHAR(40));
INSERT INTO flyway_demo (id, note) VALUES (1, 'migrated through the token plugin');
