// The GDPR suppression list: one node per erased identity hash.
CREATE CONSTRAINT erased_identity_hash IF NOT EXISTS
FOR (e:ErasedIdentity) REQUIRE e.hash IS UNIQUE;
