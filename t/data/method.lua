-- A handler that accepts every method and says which it got: what an
-- application behind Require same-origin would answer when let through.
function handle(r)
    r.content_type = 'text/plain'
    r:puts('ok ' .. r.method .. '\n')
    return apache2.OK
end
