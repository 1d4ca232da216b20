INSERT INTO coldstart.cs_owner (id, name) SELECT 1, 'George Franklin' WHERE NOT EXISTS (SELECT 1 FROM coldstart.cs_owner WHERE id = 1);
