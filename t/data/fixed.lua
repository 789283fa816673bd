-- An authorization provider that answers what its Require line names:
-- `Require fixed granted|denied|no-user|neutral|error` (t/shadow_parity.t
-- combines them to hold shadows to mod_authz_core's rules).
local answer = {
    granted = apache2.AUTHZ_GRANTED,
    denied = apache2.AUTHZ_DENIED,
    ["no-user"] = apache2.AUTHZ_DENIED_NO_USER,
    neutral = apache2.AUTHZ_NEUTRAL,
    error = apache2.AUTHZ_GENERAL_ERROR,
}
function fixed(r, what)
    return answer[what] or apache2.AUTHZ_GENERAL_ERROR
end
