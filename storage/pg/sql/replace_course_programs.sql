-- Replaces the program links of courses whose full documents were merged.
-- $1 the courses (text[] literal), $2 and $3 the new (course, program)
-- pairs as two text[] literals of equal length.
WITH dropped AS (
  DELETE FROM course_program WHERE course_key = ANY($1::text[])
)
INSERT INTO course_program (course_key, program_key)
SELECT c, p FROM unnest($2::text[], $3::text[]) AS x(c, p)
ON CONFLICT DO NOTHING;
