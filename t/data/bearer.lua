-- A stand-in for an OAuth module in the tests: "Authorization: Bearer NAME"
-- authenticates user NAME.
function check_user(r)
    local auth = r.headers_in['Authorization'] or ''
    local name = auth:match('^Bearer%s+(%S+)$')
    if name then
        r.user = name
        return apache2.OK
    end
    return apache2.DECLINED
end
