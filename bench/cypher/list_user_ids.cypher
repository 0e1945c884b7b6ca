MATCH (u:User) RETURN u.user_id AS id ORDER BY id
