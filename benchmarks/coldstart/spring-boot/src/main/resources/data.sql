INSERT INTO cs_owner (id, name) SELECT 1, 'George Franklin' WHERE NOT EXISTS (SELECT 1 FROM cs_owner WHERE id = 1);
