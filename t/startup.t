# Bad configuration stops httpd at startup, with a message that names the
# file and line: apachectl configtest (apache2 -t) reports it.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use PolicyTest;

my $T = t_path('');
my $SO = $ENV{AUTHZ_POLICY_SO} || "$T/../mod_authz_policy.so";
my $HTTPD = $ENV{POLICY_TEST_HTTPD} || '/usr/sbin/apache2';
my $n = 0;

# Writes a minimal server config around $body and runs apache2 -t on it.
sub configtest {
    my ($body, %files) = @_;
    $n++;
    my $dir = var_path("startup$n");
    mkdir $dir;
    write_file("$dir/$_", $files{$_}) for keys %files;
    my $conf = "$dir/httpd.conf";
    write_file($conf, <<"CONF");
ServerRoot $dir
ServerName localhost
PidFile $dir/httpd.pid
ErrorLog $dir/error_log
Listen 127.0.0.1:1
LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule authz_policy_module $SO
$body
CONF
    my $out = `$HTTPD -t -f $conf 2>&1`;
    return ($? >> 8, $out);
}

# AuthzPolicyAttribute ldap needs mod_ldap's functions
my $LDAP = "LoadModule ldap_module /usr/lib/apache2/modules/mod_ldap.so\n";
# AuthType is mod_authn_core's
my $AUTHN = "LoadModule authn_core_module /usr/lib/apache2/modules/mod_authn_core.so\n";
my @bad = (
    [ 'duplicate user',
      "AuthzPolicyUserFile users.txt\n",
      { 'users.txt' => "alice role=a\n\nalice role=b\n" },
      qr{users\.txt: line 3: duplicate user \(first on line 1\) 'alice'} ],
    [ 'unknown key',
      "AuthzPolicyUserFile users.txt\n",
      { 'users.txt' => "bob colour=blue\n" },
      qr{users\.txt: line 1: unknown key .*'colour'} ],
    [ 'malformed field',
      "AuthzPolicyUserFile users.txt\n",
      { 'users.txt' => "# c\nbob admin\n" },
      qr{users\.txt: line 2: malformed field} ],
    [ 'missing file',
      "AuthzPolicyUserFile nowhere.txt\n", {},
      qr{nowhere\.txt: cannot read: No such file or directory} ],
    [ 'a shadow naming an unknown provider: the line inside it',
      "<Location />\n<AuthzPolicyShadow candidate>\nRequire nosuch x\n</AuthzPolicyShadow>\n</Location>\n",
      {}, qr{line 11 of .*httpd\.conf:\s+<AuthzPolicyShadow candidate>: Unknown Authz provider: nosuch} ],
    [ 'a shadow holding another directive',
      "<Location />\n<AuthzPolicyShadow candidate>\nRequire all granted\nAuthzPolicyDenyStatus 404\n</AuthzPolicyShadow>\n</Location>\n",
      {}, qr{line 12 of .*httpd\.conf:\s+<AuthzPolicyShadow candidate>: <AuthzPolicyShadow> holds Require lines and <RequireAll>, <RequireAny> and <RequireNone> blocks, not AuthzPolicyDenyStatus} ],
    [ 'an empty shadow',
      "<Location />\n<AuthzPolicyShadow candidate>\n</AuthzPolicyShadow>\n</Location>\n",
      {}, qr{line 10 of .*httpd\.conf:\s+<AuthzPolicyShadow candidate> holds no Require line} ],
    [ 'a shadow named twice in one section',
      "<Location />\n<AuthzPolicyShadow a>\nRequire all granted\n</AuthzPolicyShadow>\n"
      . "<AuthzPolicyShadow a>\nRequire all denied\n</AuthzPolicyShadow>\n</Location>\n",
      {}, qr{line 13 of .*httpd\.conf:\s+<AuthzPolicyShadow a> is given twice in this section} ],
    [ 'a negative line in a shadow\'s RequireAny',
      "<Location />\n<AuthzPolicyShadow a>\n<RequireAny>\nRequire all granted\nRequire not env X\n</RequireAny>\n</AuthzPolicyShadow>\n</Location>\n",
      {}, qr{line 13 of .*httpd\.conf:\s+<AuthzPolicyShadow a>: a negative Require line has no effect in RequireAny or RequireNone} ],
    [ 'an undeclared plan in a shadow: its line',
      "AuthzPolicyPlans free\nAuthzPolicyUserFile users.txt\n<Location />\n<AuthzPolicyShadow a>\nRequire plan gold\n</AuthzPolicyShadow>\n</Location>\n",
      { 'users.txt' => "alice plan=free\n" },
      qr{Require plan: 'gold' is not declared by AuthzPolicyPlans \(.*httpd\.conf:13\)} ],
    [ 'AuthzPolicyMode with another word',
      "<Location />\nAuthzPolicyMode audit\n</Location>\n",
      {}, qr{AuthzPolicyMode: 'audit' is not enforce or report} ],
    [ 'AuthzPolicyName with a space',
      "<Location />\nAuthzPolicyName \"a b\"\n</Location>\n",
      {}, qr{AuthzPolicyName: 'a b' holds a space} ],
    [ 'malformed expiry',
      "AuthzPolicyUserFile users.txt\n",
      { 'users.txt' => "alice role=admin\nbob role=oncall\@2026-12-01T18:00\n" },
      qr{users\.txt: line 2: malformed expiry in role list .*'oncall\@2026-12-01T18:00'} ],
    [ 'inheritance cycle',
      "AuthzPolicyRoleInherit a b\nAuthzPolicyRoleInherit b c\n"
      . "AuthzPolicyRoleInherit c a\n", {},
      qr{line 11 of .*httpd\.conf:\s+AuthzPolicyRoleInherit: role inheritance cycle: c -> a -> b -> c} ],
    [ 'cycle across a virtual host',
      "AuthzPolicyRoleInherit a b\n<VirtualHost 127.0.0.1:1>\n"
      . "AuthzPolicyRoleInherit b a\n</VirtualHost>\n", {},
      qr{role inheritance cycle} ],
    [ 'undeclared plan',
      "AuthzPolicyPlans free pro\n<Location />\nRequire plan gold\n"
      . "</Location>\n", {},
      qr{Require plan: 'gold' is not declared by AuthzPolicyPlans \(.*httpd\.conf:11\)} ],
    [ 'plan declared after use is fine, a repeat is not',
      "<Location />\nRequire plan pro\n</Location>\n"
      . "AuthzPolicyPlans free pro free\n", {},
      qr{AuthzPolicyPlans: plan 'free' is listed twice} ],
    [ 'a hidden path is a local URL-path',
      "<Location />\nAuthzPolicyHiddenPath http://backend/missing\n</Location>\n", {},
      qr{AuthzPolicyHiddenPath: 'http://backend/missing' is not a local URL-path} ],
    [ '... without a query',
      "<Location />\nAuthzPolicyHiddenPath /missing?x=1\n</Location>\n", {},
      qr{AuthzPolicyHiddenPath: '/missing\?x=1' is not a local URL-path} ],
    [ '... nor a fragment (no client sends one)',
      "<Location />\nAuthzPolicyHiddenPath /missing#top\n</Location>\n", {},
      qr{AuthzPolicyHiddenPath: '/missing#top' is not a local URL-path} ],
    [ 'an anonymous client is not forbidden',
      "<Location />\nAuthzPolicyDenyStatus 403 anonymous\n</Location>\n", {},
      qr{AuthzPolicyDenyStatus: 403 is not a valid status for reason 'anonymous'} ],
    [ '451 is no answer to anonymous clients either',
      "<Location />\nAuthzPolicyDenyStatus 451 anonymous role\n</Location>\n", {},
      qr{not a valid status for reason 'anonymous'} ],
    [ 'a failing source is always a 500',
      "<Location />\nAuthzPolicyDenyStatus 404 error\n</Location>\n", {},
      qr{AuthzPolicyDenyStatus: 404 is not a valid status for reason 'error' \(a source that failed is always a 500\)} ],
    [ 'an unknown status',
      "AuthzPolicyDenyStatus 402\n", {},
      qr{AuthzPolicyDenyStatus: '402' is not 401, 403, 404 or 451} ],
    [ 'an unknown reason',
      "AuthzPolicyDenyStatus 404 roles\n", {},
      qr{AuthzPolicyDenyStatus: unknown reason 'roles' \(anonymous, role, plan, scope, region, iplist, origin, other or error\)} ],
    [ 'Require same-origin with a path',
      "<Location />\nRequire same-origin https://app.example.com/\n</Location>\n", {},
      qr{Require same-origin: 'https://app\.example\.com/' is not an origin \(scheme://host\[:port\], no path} ],
    [ 'Require same-origin trusting null',
      "<Location />\nRequire same-origin https://a.example null\n</Location>\n", {},
      qr{Require same-origin: 'null' is not an origin.*cannot be trusted} ],
    [ 'Require same-origin with a comment',
      "<Location />\nRequire same-origin #csrf\n</Location>\n", {},
      qr{Require same-origin: '#csrf' is not an origin} ],
    [ 'an error document with a full URL',
      "AuthzPolicyErrorDocument role https://elsewhere.example/\n", {},
      qr{AuthzPolicyErrorDocument takes a local URL-path or "text"} ],
    [ 'an unknown format',
      "AuthzPolicyErrorFormat xml\n", {},
      qr{AuthzPolicyErrorFormat: 'xml' is not auto, html, json or problem} ],
    [ 'an unknown detail level',
      "AuthzPolicyErrorDetail all\n", {},
      qr{AuthzPolicyErrorDetail: 'all' is not none, reason or full} ],
    [ 'a Link target that would break the header',
      "AuthzPolicyBlockedBy \"https://x.example/a>b\"\n", {},
      qr{AuthzPolicyBlockedBy: a URL cannot hold} ],
    [ 'AuthzPolicyBlockedBy with a script URL',
      "AuthzPolicyBlockedBy javascript:alert(1)\n", {},
      qr{AuthzPolicyBlockedBy: 'javascript:alert\(1\)' is not an http\(s\) URL} ],
    # AuthzPolicyDocumentation: http(s) URLs and local paths only, and
    # nothing that could end an HTML attribute or a Link header's <...>
    [ 'a javascript: documentation URL',
      "AuthzPolicyDocumentation javascript:alert(document.cookie)\n", {},
      qr{AuthzPolicyDocumentation: 'javascript:alert\(document\.cookie\)' is not an http\(s\) URL or a local path} ],
    [ 'a data: documentation URL',
      "AuthzPolicyDocumentation data:text/html,hello\n", {},
      qr{AuthzPolicyDocumentation: 'data:text/html,hello' is not an http\(s\) URL or a local path} ],
    [ 'a documentation URL of another scheme',
      "<Location />\nAuthzPolicyDocumentation ftp://files.example/errors\n</Location>\n", {},
      qr{AuthzPolicyDocumentation: 'ftp://files\.example/errors' is not an http\(s\) URL or a local path} ],
    [ 'a documentation path that is not local',
      "AuthzPolicyDocumentation //elsewhere.example/errors\n", {},
      qr{AuthzPolicyDocumentation: '//elsewhere\.example/errors' is not an http\(s\) URL or a local path} ],
    [ 'a relative documentation path',
      "AuthzPolicyDocumentation errors.html\n", {},
      qr{AuthzPolicyDocumentation: 'errors\.html' is not an http\(s\) URL or a local path} ],
    [ 'a documentation URL without a host',
      "AuthzPolicyDocumentation https:///errors\n", {},
      qr{AuthzPolicyDocumentation: 'https:///errors' is not an http\(s\) URL or a local path} ],
    [ 'a documentation URL with a quote',
      "AuthzPolicyDocumentation \"https://docs.example/a\\\"b\"\n", {},
      qr{AuthzPolicyDocumentation: a URL cannot hold} ],
    [ 'a documentation URL that would end a Link header',
      "AuthzPolicyDocumentation \"https://docs.example/a>; rel=preload\"\n", {},
      qr{AuthzPolicyDocumentation: a URL cannot hold} ],
    [ 'a documentation URL with a control byte',
      "AuthzPolicyDocumentation \"https://docs.example/a\x01b\"\n", {},
      qr{AuthzPolicyDocumentation: a URL cannot hold} ],
    [ 'a documentation path with a backslash',
      "AuthzPolicyDocumentation /\\elsewhere.example/errors\n", {},
      qr{AuthzPolicyDocumentation: a URL cannot hold} ],
    [ 'an IP list with a bad line',
      "AuthzPolicyIPList office ips.txt\n",
      { 'ips.txt' => "10.0.0.0/8\n# c\n192.0.2.300\n" },
      qr{AuthzPolicyIPList .*ips\.txt: line 3: not an IPv4 or IPv6 address: '192\.0\.2\.300'} ],
    [ 'an IP list that does not exist',
      "AuthzPolicyIPList office nowhere.txt\n", {},
      qr{AuthzPolicyIPList .*nowhere\.txt: cannot read} ],
    [ 'Require iplist of an undeclared list',
      "<Location />\nRequire iplist office\n</Location>\n", {},
      qr{Require iplist: no list 'office' is declared by AuthzPolicyIPList \(.*httpd\.conf:10\)} ],
    [ 'an IP list declared in a virtual host',
      "<VirtualHost 127.0.0.1:1>\nAuthzPolicyIPList office ips.txt\n</VirtualHost>\n",
      { 'ips.txt' => "10.0.0.1\n" },
      qr{AuthzPolicyIPList belongs in the main server configuration} ],
    [ 'a malformed region code',
      "<Location />\nRequire region USA\n</Location>\n", {},
      qr{Require region: 'USA' is not an ISO 3166 code} ],
    [ 'an unknown region source',
      "AuthzPolicyRegionFrom geoip cookie:x\n", {},
      qr{AuthzPolicyRegionFrom: 'cookie:x' is not geoip, header:NAME or env:NAME} ],
    [ 'a bad trusted proxy',
      "AuthzPolicyTrustedProxy 10.0.0.0/8 proxy.example\n", {},
      qr{AuthzPolicyTrustedProxy: not an IPv4 or IPv6 address: 'proxy\.example'} ],
    [ 'a GeoIP database that is no database',
      "AuthzPolicyGeoIPDatabase geo.mmdb\n", { 'geo.mmdb' => "not a database\n" },
      qr{AuthzPolicyGeoIPDatabase .*geo\.mmdb: not a usable MaxMind DB} ],
    [ 'Require role without a role',
      "<Location />\nRequire role\n</Location>\n", {},
      qr{Require role .*needs at least one role} ],
    [ 'a data file that is a directory',
      "AuthzPolicyUserFile .\n", {},
      qr{AuthzPolicyUserFile .*: not a regular file} ],
    [ 'AuthzPolicyHtaccessFiles with a directory that does not exist',
      "AuthzPolicyHtaccessFiles nowhere\n", {},
      qr{AuthzPolicyHtaccessFiles: cannot resolve the directory nowhere} ],
    [ 'AuthzPolicyHtaccessFiles owner beside a directory',
      "AuthzPolicyHtaccessFiles owner /tmp\n", {},
      qr{AuthzPolicyHtaccessFiles: owner and any stand alone} ],
    [ 'AuthzPolicyHtaccessLimits with a bad size',
      "AuthzPolicyHtaccessLimits 16X 100\n", {},
      qr{AuthzPolicyHtaccessLimits: '16X' is not a size} ],
    [ 'AuthzPolicyFileLimit with a bad size',
      "AuthzPolicyFileLimit lots\n", {},
      qr{AuthzPolicyFileLimit: 'lots' is not a size} ],
    [ 'AuthzPolicyFileLimit in a virtual host',
      "<VirtualHost 127.0.0.1:1>\nAuthzPolicyFileLimit 1M\n</VirtualHost>\n", {},
      qr{AuthzPolicyFileLimit cannot occur within <VirtualHost> section} ],
    [ 'a user file larger than AuthzPolicyFileLimit',
      "AuthzPolicyFileLimit 10\nAuthzPolicyUserFile users.txt\n",
      { 'users.txt' => "alice role=admin\n" },
      qr{AuthzPolicyUserFile .*users\.txt: refused: 17 bytes, more than the 10 that AuthzPolicyFileLimit allows} ],
    [ 'an IP list larger than AuthzPolicyFileLimit',
      "AuthzPolicyFileLimit 1K\nAuthzPolicyIPList big ips.txt\n",
      { 'ips.txt' => "192.0.2.1\n" x 200 },
      qr{AuthzPolicyIPList .*ips\.txt: refused: 2000 bytes, more than the 1024 that AuthzPolicyFileLimit allows} ],
    [ 'AuthzPolicyHtaccessLimits with a bad count',
      "AuthzPolicyHtaccessLimits 16M 0\n", {},
      qr{AuthzPolicyHtaccessLimits: '0' is not a number of files} ],
    # a provider that needs attributes where nothing can give them
    [ 'Require role with no source of roles',
      "<Location />\nRequire role admin\n</Location>\n", {},
      qr{Require role: no source of roles for this server: add AuthzPolicyUserFile, or AuthzPolicyAttribute role env\|dbd\|ldap, to this area or around it \(.*httpd\.conf:10\)} ],
    [ '... a user file only in another virtual host',
      "<VirtualHost 127.0.0.1:1>\nAuthzPolicyUserFile users.txt\n</VirtualHost>\n"
      . "<VirtualHost 127.0.0.2:1>\n<Location />\nRequire scope a\n</Location>\n</VirtualHost>\n",
      { 'users.txt' => "alice scope=a\n" },
      qr{Require scope: no source of scopes for this server.*httpd\.conf:14\)} ],
    [ '... AuthzPolicyAttribute role file with no user file',
      "AuthzPolicyAttribute role file\n<Location />\nRequire role a\n</Location>\n", {},
      qr{Require role: no source of roles .*httpd\.conf:11\)} ],
    [ '... a variable for another attribute',
      "AuthzPolicyPlans free pro\nAuthzPolicyAttribute role env ROLES\n"
      . "<Location />\nRequire plan pro\n</Location>\n", {},
      qr{Require plan: no source of plans .*httpd\.conf:12\)} ],
    [ '... AllowOverride without AuthConfig',
      "<Directory />\nAllowOverride FileInfo Limit\nRequire role a\n</Directory>\n", {},
      qr{Require role: no source of roles .*httpd\.conf:11\)} ],
    # region checks with no way to find a region
    [ 'Require region with the default geoip and no database',
      "<Location />\nRequire region DE\n</Location>\n", {},
      qr{Require region: the region source geoip has no AuthzPolicyGeoIPDatabase \(AuthzPolicyRegionFrom is geoip by default\) \(.*httpd\.conf:10\)} ],
    [ '... geoip named first',
      "AuthzPolicyRegionFrom geoip env:REGION\n<Location />\n<RequireAll>\n"
      . "Require not region KP\nRequire all granted\n</RequireAll>\n</Location>\n", {},
      qr{Require region: the region source geoip has no AuthzPolicyGeoIPDatabase \(.*httpd\.conf:12\)} ],
    [ '... in a virtual host whose server has no database',
      "<VirtualHost 127.0.0.1:1>\n<Location />\nRequire region DE\n</Location>\n</VirtualHost>\n", {},
      qr{AuthzPolicyGeoIPDatabase .*httpd\.conf:11\)} ],
    # a comment after the arguments is not a comment in Apache
    [ 'Require role with a comment after it',
      "AuthzPolicyUserFile users.txt\n<Location />\nRequire role editor   # editors, and admins\n</Location>\n",
      { 'users.txt' => "alice role=editor\n" },
      qr{Require role: '#' begins with '#': Apache reads comments only on lines of their own, not after arguments} ],
    [ 'Require plan with a #word',
      "AuthzPolicyPlans free pro\nAuthzPolicyUserFile users.txt\n<Location />\nRequire plan pro #pro\n</Location>\n",
      { 'users.txt' => "alice plan=pro\n" },
      qr{Require plan: '#pro' begins with '#'} ],
    [ 'Require scope with a comment',
      "AuthzPolicyUserFile users.txt\n<Location />\nRequire scope a # b\n</Location>\n",
      { 'users.txt' => "alice scope=a\n" },
      qr{Require scope: '#' begins with '#'} ],
    [ 'Require region with a comment',
      "<Location />\nRequire region DE # Germany\n</Location>\n", {},
      qr{Require region: '#' begins with '#'} ],
    [ 'Require iplist with a comment',
      "AuthzPolicyIPList office ips.txt\n<Location />\nRequire iplist office # the office\n</Location>\n",
      { 'ips.txt' => "10.0.0.1\n" },
      qr{Require iplist: '#' begins with '#'} ],
    [ 'AuthzPolicyRoleInherit with a comment',
      "AuthzPolicyRoleInherit editor viewer   # editors see everything\n", {},
      qr{AuthzPolicyRoleInherit: '#' begins with '#'} ],
    [ 'AuthzPolicyPlans with a comment',
      "AuthzPolicyPlans free pro #cheapest first\n", {},
      qr{AuthzPolicyPlans: '#cheapest' begins with '#'} ],
    [ 'AuthzPolicyHtaccessLimits in a virtual host',
      "<VirtualHost 127.0.0.1:1>\nAuthzPolicyHtaccessLimits 1M 10\n</VirtualHost>\n", {},
      qr{AuthzPolicyHtaccessLimits cannot occur within <VirtualHost> section} ],
    # roles from LDAP groups
    [ 'AuthzPolicyAttribute ldap without mod_ldap',
      "<Location />\nAuthzPolicyAttribute role ldap ldap://127.0.0.1/dc=x\n</Location>\n", {},
      qr{AuthzPolicyAttribute ldap needs mod_ldap, loaded before this line} ],
    [ '... a URL that is not LDAP\'s',
      "$LDAP<Location />\nAuthzPolicyAttribute role ldap http://127.0.0.1/\n</Location>\n", {},
      qr{AuthzPolicyAttribute ldap: 'http://127.0.0.1/': } ],
    [ '... an unknown option',
      "$LDAP<Location />\nAuthzPolicyAttribute role ldap ldap:///dc=x colour=blue\n</Location>\n", {},
      qr{AuthzPolicyAttribute ldap: 'colour=blue' is not memberof\[=ATTR\], groups=BASE} ],
    [ '... memberOf values and a group search at once',
      "$LDAP<Location />\nAuthzPolicyAttribute role ldap ldap:///dc=x groups=dc=x memberof\n</Location>\n", {},
      qr{groups= \(a search for the user's groups\) and memberof or env= .* choose one} ],
    [ '... chain without groups=',
      "$LDAP<Location />\nAuthzPolicyAttribute role ldap ldap:///dc=x chain\n</Location>\n", {},
      qr{chain and member= go with groups=BASE} ],
    [ '... a depth out of range',
      "$LDAP<Location />\nAuthzPolicyAttribute role ldap ldap:///dc=x depth=11\n</Location>\n", {},
      qr{depth=11 is not 0 to 10} ],
    [ '... a map entry without a DN',
      "$LDAP<Location />\nAuthzPolicyAttribute role ldap ldap:///dc=x map=admin\n</Location>\n", {},
      qr{map=admin is not ROLE=DN} ],
    [ '... a bind DN without its password',
      "$LDAP<Location />\nAuthzPolicyAttribute role ldap ldap:///dc=x binddn=cn=a,dc=x\n</Location>\n", {},
      qr{binddn= and bindpw= go together} ],
    [ 'AuthzPolicyCacheMemo: not a number of entries',
      "AuthzPolicyCacheMemo lots\n", {},
      qr{AuthzPolicyCacheMemo: 'lots' is not a number of entries \(0 to 65536\)} ],
    [ '... more than it may keep',
      "AuthzPolicyCacheMemo 65537\n", {},
      qr{AuthzPolicyCacheMemo: '65537' is not a number of entries} ],
    # hints where a line was written as another file's form
    [ 'AuthzPolicyDenyStatus with a comment after it',
      "<Location />\nAuthzPolicyDenyStatus 404 # hidden from everyone\n</Location>\n", {},
      qr{AuthzPolicyDenyStatus: '#' begins with '#': Apache reads comments only on lines of their own, not after arguments} ],
    [ 'a second AuthzPolicyPlans names the first',
      "AuthzPolicyPlans free pro\nAuthzPolicyRoleInherit a b\nAuthzPolicyPlans enterprise\n", {},
      qr{AuthzPolicyPlans is given twice for this server \(first at .*httpd\.conf:9\): list every plan on one line, lowest first} ],
    [ 'an undeclared plan: the declared ones listed',
      "AuthzPolicyPlans free pro\nAuthzPolicyUserFile users.txt\n<Location />\nRequire plan gold\n</Location>\n",
      { 'users.txt' => "alice plan=pro\n" },
      qr{Require plan: 'gold' is not declared by AuthzPolicyPlans \(it declares free pro\) \(.*httpd\.conf:12\)} ],
    [ '... with no AuthzPolicyPlans at all',
      "AuthzPolicyUserFile users.txt\n<Location />\nRequire plan gold\n</Location>\n",
      { 'users.txt' => "alice role=a\n" },
      qr{Require plan: 'gold' is not declared by AuthzPolicyPlans \(none for this server\)} ],
    [ 'Require plan with plans separated by a comma',
      "AuthzPolicyPlans free pro\nAuthzPolicyUserFile users.txt\n<Location />\nRequire plan free,pro\n</Location>\n",
      { 'users.txt' => "alice plan=pro\n" },
      qr{Require plan: 'free,pro' is not declared by AuthzPolicyPlans \(it declares free pro\): a Require line separates plans with spaces} ],
    [ 'an htpasswd file given as the user file',
      "AuthzPolicyUserFile users.txt\n",
      { 'users.txt' => "alice:\$apr1\$Xb1kq9Zt\$3pVqJQ1e4fWbq0h2n1m7k.\nbob:{SHA}fEqNCco3Yq9h5ZUglD3CZJT4lBs=\n" },
      qr{users\.txt: line 1: a password hash after ':': an htpasswd or htdigest line \(for AuthUserFile\)\? This file lists `name role=\.\.\. plan=\.\.\. scope=\.\.\.`; user 'alice'} ],
    [ 'an htdigest file given as the user file, its realm holding a space',
      "AuthzPolicyUserFile users.txt\n",
      { 'users.txt' => "# digest\nalice:Restricted Area:5f4dcc3b5aa765d61d8327deb882cf99\n" },
      qr{users\.txt: line 2: a password hash after ':': an htpasswd or htdigest line .*; user 'alice'} ],
    [ 'role = admin in the user file',
      "AuthzPolicyUserFile users.txt\n",
      { 'users.txt' => "alice role=admin\nbob role = editor\n" },
      qr{users\.txt: line 2: malformed field \(expected key=value, with no spaces around '='\): 'role'} ],
    [ 'scope=a b in the user file',
      "AuthzPolicyUserFile users.txt\n",
      { 'users.txt' => "bob scope=reports:read reports:write\n" },
      qr{users\.txt: line 1: malformed field \(expected key=value; a list's values are separated by commas, not spaces: role=a,b\): 'reports:write'} ],
);
# Configurations that pass, with the warnings they must (or must not) log.
my @good = (
    [ 'user names holding \':\' and no fields (a URN, an OIDC subject)',
      "AuthzPolicyUserFile users.txt\n",
      { 'users.txt' => "urn:x:carol\nsub\@https://issuer.example\nurn:x:dave role=a\n" }, undef ],
    [ 'a user file in another section of the server',
      "${AUTHN}<Location />\nAuthType Basic\n</Location>\n<Location /a>\nAuthzPolicyUserFile users.txt\n</Location>\n"
      . "<Location /b>\nRequire role a\n</Location>\n",
      { 'users.txt' => "alice role=a\n" }, undef ],
    [ 'a user file of the main server, Require in a virtual host',
      "${AUTHN}AuthzPolicyUserFile users.txt\n<VirtualHost 127.0.0.1:1>\n<Location />\n"
      . "AuthType Basic\nRequire role a\n</Location>\n</VirtualHost>\n",
      { 'users.txt' => "alice role=a\n" }, undef ],
    [ 'a Require line of the main server, a user file in a virtual host',
      "${AUTHN}<Location />\nAuthType Basic\nRequire role a\n</Location>\n<VirtualHost 127.0.0.1:1>\n"
      . "AuthzPolicyUserFile users.txt\n</VirtualHost>\n",
      { 'users.txt' => "alice role=a\n" }, undef ],
    [ 'an .htaccess file may give the user file (AllowOverride AuthConfig)',
      "<Directory />\nAllowOverride AuthConfig\n</Directory>\n"
      . "<Directory /srv>\nRequire role a\n</Directory>\n", {}, undef ],
    [ '... or AllowOverrideList naming it',
      "$AUTHN<Directory />\nAllowOverrideList AuthzPolicyUserFile AuthType Require\n</Directory>\n"
      . "<Location />\nRequire scope a\n</Location>\n", {}, undef ],
    [ '... or AllowOverrideList naming AuthzPolicyAttribute',
      "$AUTHN<Directory />\nAllowOverrideList AuthzPolicyAttribute AuthType Require\n</Directory>\n"
      . "<Location />\nRequire role a\n</Location>\n", {}, undef ],
    [ 'roles from LDAP groups: Active Directory\'s in-chain rule, a bind DN',
      "$LDAP$AUTHN<Location />\nAuthType Basic\nAuthzPolicyAttribute role ldap ldap://dc1/dc=x?sAMAccountName "
      . "groups=dc=x chain binddn=cn=a,dc=x bindpw=pw\nRequire role a\n</Location>\n",
      {}, undef ],
    [ 'Require same-origin, alone and with origins in any case and with default ports',
      "<Location />\nRequire same-origin\n</Location>\n<Location /a>\n"
      . "Require same-origin HTTPS://App.Example.com:443 http://[::1]:8080\n</Location>\n",
      {}, undef ],
    [ 'roles from a variable',
      "$AUTHN<Location />\nAuthType Basic\nAuthzPolicyAttribute role env ROLES\nRequire role a\n</Location>\n",
      {}, undef ],
    [ 'a region source before geoip: a warning naming the line',
      "AuthzPolicyRegionFrom env:REGION geoip\n<Location />\nRequire region DE\n</Location>\n",
      {}, qr{Require region: the region source geoip has no AuthzPolicyGeoIPDatabase: requests that the sources before it cannot place will answer 500 \(.*httpd\.conf:11\)} ],
    [ 'a Require region line of the main server, a database in a virtual host: a warning',
      "<Location />\nRequire region DE\n</Location>\n<VirtualHost 127.0.0.1:1>\n"
      . "AuthzPolicyGeoIPDatabase geo.mmdb\n</VirtualHost>\n",
      { 'geo.mmdb' => do { open my $fh, '<:raw', var_path('geo.mmdb') or die $!; local $/; <$fh> } },
      qr{Require region: the region source geoip has no AuthzPolicyGeoIPDatabase \(AuthzPolicyRegionFrom is geoip by default\) in the main server \(requests it answers get 500\) \(.*httpd\.conf:10\)} ],
    [ 'shadows with nested blocks, and report mode',
      "<Location />\nAuthzPolicyMode report\nAuthzPolicyName admin-area\nRequire all granted\n"
      . "<AuthzPolicyShadow a>\n<RequireAny>\nRequire env A\n<RequireAll>\nRequire env B\n"
      . "Require not env C\n</RequireAll>\n</RequireAny>\n</AuthzPolicyShadow>\n"
      . "<AuthzPolicyShadow b>\n<RequireNone>\nRequire env D\n</RequireNone>\n</AuthzPolicyShadow>\n"
      . "</Location>\n", {}, undef ],
    [ 'regions from a variable only',
      "AuthzPolicyRegionFrom env:REGION\n<Location />\nRequire region DE\n</Location>\n",
      {}, undef ],
    # Require role, plan and scope need a user, which needs an AuthType
    [ 'Require role where no AuthType is in effect: a warning naming the section and line',
      "AuthzPolicyUserFile users.txt\n<Location /admin>\nRequire role admin\n</Location>\n",
      { 'users.txt' => "alice role=admin\n" },
      qr{Require role: no AuthType is in effect in <Location /admin>: no user is known there, so every request this line decides answers 500 \(AH00027\); add AuthType and its authentication to this area or around it \(.*httpd\.conf:11\)} ],
    [ '... AuthType None in the section, Basic around it',
      "${AUTHN}AuthzPolicyUserFile users.txt\n<Directory />\nAuthType Basic\n</Directory>\n"
      . "<Directory /srv>\nAuthType None\n<RequireAll>\nRequire scope a\n</RequireAll>\n</Directory>\n",
      { 'users.txt' => "alice scope=a\n" },
      qr{Require scope: no AuthType is in effect in <Directory /srv>.*\(.*httpd\.conf:17\)} ],
    [ '... in a virtual host whose other virtual host has one',
      "${AUTHN}AuthzPolicyUserFile users.txt\n<VirtualHost 127.0.0.1:1>\n<Location />\nAuthType Basic\n</Location>\n</VirtualHost>\n"
      . "<VirtualHost 127.0.0.2:1>\n<Location /b>\nRequire role a\n</Location>\n</VirtualHost>\n",
      { 'users.txt' => "alice role=a\n" },
      qr{Require role: no AuthType is in effect in <Location /b>.*\(.*httpd\.conf:18\)} ],
    [ '... a sibling <Location> that does not contain it',
      "${AUTHN}AuthzPolicyUserFile users.txt\n<Location /app>\nAuthType Basic\n</Location>\n"
      . "<Location /admin>\nRequire role a\n</Location>\n",
      { 'users.txt' => "alice role=a\n" },
      qr{Require role: no AuthType is in effect in <Location /admin>} ],
    [ 'AuthType in a <Location> that contains the line\'s',
      "${AUTHN}AuthzPolicyUserFile users.txt\n<Location /app>\nAuthType Basic\n</Location>\n"
      . "<Location /app/admin>\nRequire role a\n</Location>\n",
      { 'users.txt' => "alice role=a\n" }, undef ],
    [ '... a <Location> whose path starts with the other\'s but not at a /',
      "${AUTHN}AuthzPolicyUserFile users.txt\n<Location /app>\nAuthType Basic\n</Location>\n"
      . "<Location /application>\nRequire role a\n</Location>\n",
      { 'users.txt' => "alice role=a\n" },
      qr{Require role: no AuthType is in effect in <Location /application>.*\(.*httpd\.conf:15\)} ],
    [ '... <Directory /srv/www> does not contain <Directory /srv/www2>',
      "${AUTHN}AuthzPolicyUserFile users.txt\n<Directory /srv/www>\nAuthType Basic\n</Directory>\n"
      . "<Directory /srv/www2>\nRequire scope a\n</Directory>\n",
      { 'users.txt' => "alice scope=a\n" },
      qr{Require scope: no AuthType is in effect in <Directory /srv/www2>} ],
    [ 'AuthType in a <Location> that is the line\'s path, or ends in /',
      "${AUTHN}AuthzPolicyUserFile users.txt\n<Location /app>\nAuthType Basic\n</Location>\n"
      . "<Location /app/>\nAuthType Basic\n</Location>\n"
      . "<Location \"/app\">\nRequire role a\n</Location>\n<Location /app/x>\nRequire role a\n</Location>\n",
      { 'users.txt' => "alice role=a\n" }, undef ],
    [ 'Require role inside <AuthzPolicyShadow> with no AuthType: a shadow forces no authentication',
      "AuthzPolicyUserFile users.txt\n<Location /open>\nRequire all granted\n"
      . "<AuthzPolicyShadow candidate>\nRequire role a\n</AuthzPolicyShadow>\n</Location>\n",
      { 'users.txt' => "alice role=a\n" }, undef ],
    [ '... the area\'s own Require role beside it is still told',
      "AuthzPolicyUserFile users.txt\n<Location /open>\nRequire role b\n"
      . "<AuthzPolicyShadow candidate>\nRequire role a\n</AuthzPolicyShadow>\n</Location>\n",
      { 'users.txt' => "alice role=a\n" },
      qr{\A[^\n]*Require role: no AuthType is in effect in <Location /open>[^\n]*\(.*httpd\.conf:11\)\nSyntax OK\n\z} ],
    [ '... in <Location /> of its virtual host',
      "${AUTHN}AuthzPolicyUserFile users.txt\n<VirtualHost 127.0.0.1:1>\n<Location />\nAuthType Basic\n</Location>\n"
      . "<Location /admin>\n<RequireAny>\nRequire role a\n</RequireAny>\n</Location>\n</VirtualHost>\n",
      { 'users.txt' => "alice role=a\n" }, undef ],
    [ 'Require role with names joined by a comma: a warning',
      "${AUTHN}AuthzPolicyUserFile users.txt\n<Location />\nAuthType Basic\nRequire role admin,editor\n</Location>\n",
      { 'users.txt' => "alice role=admin\n" },
      qr{Require role: 'admin,editor' holds a comma: a Require line separates names with spaces \(Require role a b\), unlike the user file \(.*httpd\.conf:13\)} ],
    [ 'Require scope written as a field: a warning',
      "${AUTHN}AuthzPolicyUserFile users.txt\n<Location />\nAuthType Basic\nRequire scope scope=a\n</Location>\n",
      { 'users.txt' => "alice scope=a\n" },
      qr{Require scope: 'scope=a' holds '=': name the scopes themselves \(Require scope admin\), key=value is the user file's form} ],
    [ 'a plan in the user file that AuthzPolicyPlans does not declare: a warning with file:line',
      "AuthzPolicyPlans free pro\nAuthzPolicyUserFile users.txt\n",
      { 'users.txt' => "# users\nalice plan=pro\nbob role=x plan=enterprize\n" },
      qr{AuthzPolicyUserFile .*users\.txt:3: plan 'enterprize' is not declared by AuthzPolicyPlans \(free pro\): this user holds no plan} ],
    [ '... in a virtual host, against its own plans',
      "AuthzPolicyPlans free pro\n<VirtualHost 127.0.0.1:1>\nAuthzPolicyPlans gold\n"
      . "<Location />\nAuthzPolicyUserFile users.txt\n</Location>\n</VirtualHost>\n",
      { 'users.txt' => "alice plan=pro\n" },
      qr{users\.txt:1: plan 'pro' is not declared by AuthzPolicyPlans \(gold\)} ],
);

plan tests => 2 * @bad + 3 * @good + 16;


for my $case (@bad) {
    my ($name, $body, $files, $want) = @$case;
    my ($rc, $out) = configtest($body, %$files);
    isnt $rc, 0, "$name: configtest fails";
    like $out, $want, "$name: message" or diag $out;
}

# an htpasswd file given as the user file: its hashes are never shown
{
    my ($rc, $out) = configtest("AuthzPolicyUserFile users.txt\n",
        'users.txt' => "carol:\$apr1\$Secr3tSalt\$c2VjcmV0aGFzaA\n");
    unlike $out, qr/Secr3t|apr1|c2Vj/, 'an htpasswd line: its hash is not shown'
        or diag $out;
    ($rc, $out) = configtest("AuthzPolicyUserFile users.txt\n",
        'users.txt' => "carol:Restricted Area:5f4dcc3b5aa765d61d8327deb882cf99\n");
    unlike $out, qr/Restricted|Area|5f4dcc/,
        'an htdigest line, a realm with a space: neither realm nor hash is shown'
        or diag $out;
    like $out, qr/user 'carol'/, '... the name is' or diag $out;
}

my ($rc, $out) = configtest(
    "AuthzPolicyPlans free pro\nAuthzPolicyRoleInherit a b\n"
    . "AuthzPolicyUserFile users.txt\n<Location />\nRequire plan pro\n"
    . "Require role a\n"
    . "AuthzPolicyDocumentation HTTPS://docs.example/errors?a=1&b=%22#role\n"
    . "</Location>\n<Location /help>\nAuthzPolicyDocumentation /help/errors.html\n"
    . "</Location>\n",
    'users.txt' => "alice role=a plan=pro\n");
is $rc, 0, 'a good configuration passes' or diag $out;
like $out, qr/Syntax OK/, '... Syntax OK';

# The worked examples in conf/ stay valid.
{
    open my $fh, '<', "$T/../conf/examples.conf" or die $!;
    local $/;
    my $examples = <$fh>;
    my $d = var_path('examples');
    mkdir $d;
    write_file("$d/htpasswd", "alice:{SHA}x\n");
    write_file("$d/users.txt", "alice role=admin\n");
    write_file("$d/office-networks.txt", "192.0.2.0/24\n");
    write_file("$d/blocklist.txt", "198.51.100.7\n");
    mkdir "$d/authz-data";
    system('cp', var_path('geo.mmdb'), "$d/GeoLite2-Country.mmdb") == 0 or die;
    $examples =~ s{/etc/apache2/}{$d/}g;
    $examples =~ s{\$\{APACHE_LOG_DIR\}}{$d}g;
    # the modules the examples use, where installed (make test installs them)
    my $mods = join '', map { -e "/usr/lib/apache2/modules/mod_$_->[1].so"
                              ? "LoadModule $_->[0] /usr/lib/apache2/modules/mod_$_->[1].so\n" : '' }
        [ authn_core_module => 'authn_core' ], [ authn_file_module => 'authn_file' ],
        [ auth_basic_module => 'auth_basic' ], [ authz_user_module => 'authz_user' ],
        [ dbd_module => 'dbd' ],
        [ auth_basic_module => 'auth_basic' ], [ dbd_module => 'dbd' ],
        [ ldap_module => 'ldap' ], [ authnz_ldap_module => 'authnz_ldap' ],
        [ socache_memcache_module => 'socache_memcache' ],
        [ socache_redis_module => 'socache_redis' ],
        [ proxy_module => 'proxy' ], [ proxy_http_module => 'proxy_http' ],
        [ auth_openidc_module => 'auth_openidc' ];
    # included whole, as an administrator would: a section left open at
    # the end of an included file is an error there
    write_file("$d/examples.conf", $examples);
    my ($rc2, $out2) = configtest($mods . "Include $d/examples.conf\n");
    is $rc2, 0, 'conf/examples.conf passes configtest' or diag $out2;
    like $out2, qr/Syntax OK/, '... Syntax OK';
    # and with only what a2enmod authz_policy needs: every optional
    # module's section skipped (httpd reads a skipped section to its
    # closing line, and says so when there is none)
    my $basic = join '', map { "LoadModule $_->[0] /usr/lib/apache2/modules/mod_$_->[1].so\n" }
        [ authn_core_module => 'authn_core' ], [ authn_file_module => 'authn_file' ],
        [ auth_basic_module => 'auth_basic' ], [ authz_user_module => 'authz_user' ];
    my ($rc3, $out3) = configtest($basic . "Include $d/examples.conf\n");
    is $rc3, 0, 'conf/examples.conf passes configtest without the optional modules'
        or diag $out3;
}

for my $case (@good) {
    my ($name, $body, $files, $want) = @$case;
    my ($rc, $out) = configtest($body, %$files);
    is $rc, 0, "$name: configtest passes" or diag $out;
    like $out, qr/Syntax OK/, "$name: Syntax OK";
    if ($want) { like $out, $want, "$name: message" or diag $out }
    else { is $out, "Syntax OK\n", "$name: no warning" or diag $out }
}

# Who can change a users file's path: a directory its group may write
# counts, unless that group is root's.
for my $c ([ 'root', 0, undef ],
           [ 'nogroup', scalar getgrnam('nogroup'),
             qr/AuthzPolicyUserFile \S+users\.txt: .* \(a directory group nogroup may write\)/ ]) {
    my ($group, $gid, $want) = @$c;
    my $d = var_path("startup-group-$group");
    mkdir $d;
    write_file("$d/users.txt", "alice role=a\n");
    chown 0, $gid, $d or die "$d: $!";
    chmod 0775, $d or die "$d: $!";
    my ($rc, $out) = configtest("AuthzPolicyUserFile $d/users.txt\n");
    if ($want) { like $out, $want, "a users file in a directory group $group may write: a warning" }
    else { is $out, "Syntax OK\n", "a users file in a directory group $group may write: no warning" }
}

# A users file that does not parse, whose path anyone may change (a
# directory its group may write): its token is logged only if everyone
# may read the file, not merely the server's User.
for my $c ([ 0640, 0 ], [ 0644, 1 ]) {
    my ($mode, $shown) = @$c;
    my $d = var_path(sprintf 'startup-shown-%o', $mode);
    my $mark = sprintf 'zzmark%o', $mode;
    mkdir $d;
    write_file("$d/users.txt", "alice role=a\ncarol $mark=1\n");
    my $nogroup = getgrnam('nogroup');
    chown 0, $nogroup, $d, "$d/users.txt" or die "$d: $!";
    chmod 0775, $d or die "$d: $!";
    chmod $mode, "$d/users.txt" or die "$d: $!";
    my ($rc, $out) = configtest("User nobody\nGroup nogroup\n"
                                . "AuthzPolicyUserFile $d/users.txt\n");
    my $name = sprintf 'a users file %o that does not parse, in a directory '
                       . 'group nogroup may write', $mode;
    if ($shown) {
        like $out, qr/users\.txt: line 2: unknown key [^\n]*'\Q$mark\E'/,
            "$name: its token is shown";
    }
    else {
        like $out, qr/users\.txt: line 2: unknown key [^\n']*\(the file's content is not shown/,
            "$name: its content is not shown";
        unlike $out, qr/\Q$mark\E/, '... no token of it';
    }
}

# ... and where only root can change the path, its token is logged if the
# server's User may read it, by the permissions of the group it is in
# (nobody is in nogroup): a group that may read, or one that may not
# beside others who may.
for my $c ([ 0640, 1 ], [ 0604, 0 ]) {
    my ($mode, $shown) = @$c;
    my $d = var_path(sprintf 'startup-group-read-%o', $mode);
    my $mark = sprintf 'zzgroup%o', $mode;
    mkdir $d;
    write_file("$d/users.txt", "alice role=a\ncarol $mark=1\n");
    chown 0, 0, $d or die "$d: $!";
    chmod 0755, $d or die "$d: $!";
    chown 0, scalar getgrnam('nogroup'), "$d/users.txt" or die "$d: $!";
    chmod $mode, "$d/users.txt" or die "$d: $!";
    my ($rc, $out) = configtest("User nobody\nGroup nogroup\n"
                                . "AuthzPolicyUserFile $d/users.txt\n");
    my $name = sprintf 'a users file %o of group nogroup that does not parse', $mode;
    if ($shown) {
        like $out, qr/users\.txt: line 2: unknown key [^\n]*'\Q$mark\E'/,
            "$name: the server's User may read it: its token is shown";
    }
    else {
        like $out, qr/users\.txt: line 2: unknown key [^\n']*\(the file's content is not shown/,
            "$name: the server's User may not read it: its content is not shown";
    }
}

# A real start fails the same way.
my $dir = var_path('startup4');
my $start = `timeout 20 $HTTPD -f $dir/httpd.conf -k start 2>&1`;
like $start, qr/nowhere\.txt: cannot read/,
    'apache2 -k start refuses to start, naming the file';
