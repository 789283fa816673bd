-- An authorization provider that neither grants nor denies, as some
-- third-party providers answer: how a shadow combines AUTHZ_NEUTRAL with
-- a negated line must be what mod_authz_core does (t/shadow.t).
function neutral(r)
    return apache2.AUTHZ_NEUTRAL
end
