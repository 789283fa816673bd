# Hidden means hidden (docs/denials.md), what deciding early must not do
# and what a hidden answer must not carry:
# - the look-ahead (a claimed Basic user checked before the password) runs
#   no provider that acts (mod_authz_dbd's dbd-login UPDATE) and no query
#   for a name whose password was never checked (an SQL attribute source:
#   the status page's cache look-ups do not move);
# - malformed Basic credentials (no colon, a NUL before it, not base64)
#   are answered as an unknown user is, without a password check (the
#   password file of /loud does not exist: a check would be a 500);
# - a hidden answer is byte for byte that of a missing file with the same
#   extension in a directory that exists (status line, headers but Date,
#   body), GET and OPTIONS: no Vary from a trusted region header (enforced
#   or in a shadow), the type of .txt, the handler chosen for .xyz, the
#   <FilesMatch> of .tar.gz (both extensions, as mod_mime reads them);
# - a decoy that is a directory (AuthzPolicyHiddenPath naming one that
#   mod_autoindex would list) is never served: a plain 404;
# - 20,000 anonymous requests for random paths under a hidden proxied area
#   (whose decoy cannot be used) leave the children's memory as it was,
#   near enough, and add one line to the error log.
#
# A server of its own (POLICY_TEST_PORT+55, event MPM, one child), stopped
# at the end.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use PolicyTest;
use PolicyTest::Setup ();
use PolicyTest::Hosting qw(server_children rss_kb);
use Digest::SHA qw(sha1_base64);
use File::Path qw(make_path remove_tree);
use IO::Socket::INET;
use JSON::PP;
use MIME::Base64 qw(encode_base64);

my $need = join ' ', grep { !-e "/usr/lib/apache2/modules/mod_$_.so" }
    qw(authz_dbd cgid lua proxy proxy_http headers autoindex);
plan skip_all => "missing modules: $need" if $need;
plan tests => 10 + 7 + 2 * 2 * 6 + 3 + 3;

my $port = ($ENV{POLICY_TEST_PORT} || 8529) + 55;
my $dir = var_path('hidden-effects');
my $T = t_path('');
remove_tree($dir);
make_path("$dir/run", map { "$dir/htdocs/$_" }
          qw(login sql loud loud-valid open files region shadowed app
             listing dirdecoy));
for my $f (qw(login/f.html sql/f.html loud/f.html loud-valid/f.html
              files/secret.txt files/page.xyz files/page.lx region/secret.txt
              shadowed/secret.txt files/backup.tar.gz dirdecoy/f.html
              listing/listed.txt)) {
    write_file("$dir/htdocs/$f", "secret\n");
}
my $sha = sha1_base64('secret') . '=';
write_file("$dir/htpasswd", join '', map { "$_:{SHA}$sha\n" }
                                    qw(alice bob carol eve));
write_file("$dir/users.txt", "alice role=admin\nbob role=editor\n"
                             . "carol role=admin\neve role=admin\n");
unlink "$dir/db.sqlite";
PolicyTest::Setup::sqlite("CREATE TABLE logins (user TEXT, n INTEGER);
    INSERT INTO logins VALUES ('alice', 0), ('bob', 0), ('mallory', 0);
    CREATE TABLE roles (user TEXT, role TEXT);
    INSERT INTO roles VALUES ('alice', 'admin'), ('bob', 'editor');",
    'hidden-effects/db.sqlite');
chmod 0777, $dir;                  # SQLite's journal, as the server's User
chmod 0666, "$dir/db.sqlite";     # dbd-login writes

write_file("$dir/httpd.conf", PolicyTest::Setup::standalone_conf(
    root => "$dir/run", listen => "127.0.0.1:$port",
    so => $ENV{AUTHZ_POLICY_SO} || "$T/../mod_authz_policy.so",
    modules => [qw(authn_core authn_file auth_basic authz_core authz_user
                   authz_host dbd authz_dbd socache_shmcb mime dir alias
                   cgid lua proxy proxy_http headers autoindex)]) . <<"CONF");
DocumentRoot "$dir/htdocs"
TypesConfig /etc/mime.types
StartServers 1
ServerLimit 1
MaxRequestWorkers 25
KeepAlive On
MaxKeepAliveRequests 0
DBDriver sqlite3
DBDParams "$dir/db.sqlite"
DBDMin 0
DBDKeep 2
DBDMax 4
AuthzPolicyCache 600 shmcb
AuthzPolicyRegionFrom header:CF-IPCountry
AuthzPolicyTrustedProxy 127.0.0.1
<Location /status>
    SetHandler authz-policy-status
</Location>
<Directory "$dir/htdocs">
    Options +ExecCGI
    AuthType Basic
    AuthName "effects"
    AuthBasicProvider file
    AuthUserFile "$dir/htpasswd"
    AuthzPolicyUserFile "$dir/users.txt"
    Require all granted
    <FilesMatch "\\.xyz\$">
        SetHandler cgi-script
    </FilesMatch>
    # mod_lua leaves a missing script to the default handler (OPTIONS: 200)
    <FilesMatch "\\.lx\$">
        SetHandler lua-script
    </FilesMatch>
    # matches only a name that ends in both extensions
    <FilesMatch "\\.tar\\.gz\$">
        Header always set X-Archive "tar.gz"
    </FilesMatch>
</Directory>
# a directory mod_autoindex lists, named as a hidden area's decoy
<Directory "$dir/htdocs/listing">
    Options +Indexes
    DirectoryIndex disabled
</Directory>
<Directory "$dir/htdocs/dirdecoy">
    Require role admin
    AuthzPolicyDenyStatus 404
    AuthzPolicyHiddenPath /listing/
</Directory>
# mod_authz_dbd's dbd-login counts a login in the database
<Directory "$dir/htdocs/login">
    AuthzDBDQuery "UPDATE logins SET n = n + 1 WHERE user = %s"
    <RequireAll>
        Require dbd-login
        Require role admin
    </RequireAll>
    AuthzPolicyDenyStatus 404
</Directory>
<Directory "$dir/htdocs/sql">
    AuthzPolicyAttribute role dbd "SELECT role FROM roles WHERE user = %s"
    Require role admin
    AuthzPolicyDenyStatus 404
</Directory>
# a password check here is a 500: the password file does not exist
<Directory "$dir/htdocs/loud">
    AuthUserFile "$dir/no-such-htpasswd"
    Require role admin
    AuthzPolicyDenyStatus 404
</Directory>
<Directory "$dir/htdocs/loud-valid">
    AuthUserFile "$dir/no-such-htpasswd"
    Require valid-user
    AuthzPolicyDenyStatus 404
</Directory>
<Directory "$dir/htdocs/files">
    Require role admin
    AuthzPolicyDenyStatus 404
</Directory>
<Directory "$dir/htdocs/region">
    Require region DE
    AuthzPolicyDenyStatus 404
</Directory>
<Directory "$dir/htdocs/shadowed">
    Require role admin
    AuthzPolicyDenyStatus 404
    <AuthzPolicyShadow geo>
        Require region DE
    </AuthzPolicyShadow>
</Directory>
ProxyPass /app/ http://127.0.0.1:9/
<Location /app/>
    AuthType Basic
    AuthName "effects"
    AuthBasicProvider file
    AuthUserFile "$dir/htpasswd"
    AuthzPolicyUserFile "$dir/users.txt"
    Require role admin
    AuthzPolicyDenyStatus 404
</Location>
CONF
system('chmod', '-R', 'a+rX', $dir);
system($ENV{POLICY_TEST_HTTPD} || '/usr/sbin/apache2', '-f', "$dir/httpd.conf",
       '-k', 'start') == 0 or die "apache2 did not start\n";
wait_for(20, sub { IO::Socket::INET->new("127.0.0.1:$port") })
    or die "apache2 does not answer on $port\n";
END { stop_server("$dir/run/httpd.pid") if $dir }

sub basic_raw { 'Authorization: Basic ' . encode_base64($_[0], '') }
sub basic { basic_raw("$_[0]:$_[1]") }
# The raw answer to one request, Date normalised.
sub answer {
    my ($method, $path, @headers) = @_;
    my $sock = IO::Socket::INET->new("127.0.0.1:$port") or die "connect: $!";
    my $text = join "\r\n", "$method $path HTTP/1.1", 'Host: localhost',
                            'Connection: close', @headers, '', '';
    print $sock $text;
    local $/;
    my $resp = <$sock> // '';
    $resp =~ s/^Date: [^\r\n]*/Date: -/mg;
    return $resp;
}
sub status { answer(@_) =~ m{^HTTP/1\.1 (\d+)} ? $1 : 0 }
sub logins {
    my ($user) = @_;
    open my $p, '-|', 'sqlite3', "$dir/db.sqlite",
        "SELECT n FROM logins WHERE user = '$user'" or die $!;
    my $n = <$p>;
    chomp $n;
    return $n;
}
my $json = JSON::PP->new;
sub lookups {
    my $doc = $json->decode(answer('GET', '/status?format=json') =~ /\r\n\r\n(.*)/s
                            ? $1 : '{}');
    return $doc->{cache}{hit} + $doc->{cache}{miss};
}

# --- no provider that acts, no query for an unchecked name --------------
is status('GET', '/login/f.html', basic('bob', 'wrong')), 404,
    'dbd-login area, a user without the role, wrong password: hidden';
is logins('bob'), 0, '... and dbd-login counted no login for bob';
status('GET', '/login/f.html', basic('mallory', 'x'));
is logins('mallory'), 0, '... nor for a name nobody authenticated';
is status('GET', '/login/f.html', basic('alice', 'secret')), 200,
    'the admin with the right password gets in';
is logins('alice'), 1, '... and dbd-login counts her login';

my $before = lookups();
is status('GET', '/sql/f.html', basic('mallory', 'x')), 404,
    'SQL roles, a name nobody knows: hidden';
is status('GET', '/sql/f.html', basic('bob', 'wrong')), 404,
    '... a known name with a wrong password: hidden';
is lookups() - $before, 0,
    '... and the SQL source was asked for neither (no cache look-up)';
is status('GET', '/sql/f.html', basic('alice', 'secret')), 200,
    'the admin with the right password gets in';
is lookups() - $before, 1, '... her roles looked up once';

# --- malformed Basic credentials ------------------------------------------
my $unknown = answer('GET', '/loud/f.html', basic('mallory', 'x'));
like $unknown, qr{^HTTP/1\.1 404 }, 'an unknown user: hidden, no password check';
my @malformed = (
    [ 'a known name without a colon', basic_raw('carol') ],
    [ 'a NUL before the colon', basic_raw("carol\0x:secret") ],
    [ 'not base64', 'Authorization: Basic !!!!carol' ],
);
for my $m (@malformed) {
    is answer('GET', '/loud/f.html', $m->[1]), $unknown,
        "$m->[0]: answered as an unknown user, no password check";
}
is answer('GET', '/loud-valid/f.html', basic_raw('carol')),
    answer('GET', '/open/f.html'),
    'no colon where any valid user passes: the missing path\'s answer, '
    . 'no password check';
is status('GET', '/loud-valid/f.html', basic('carol', 'x')), 500,
    '... where a well-formed name is checked (here, loudly)';
(my $unpadded = encode_base64('eve:secret', '')) =~ s/=+$//;
is status('GET', '/files/secret.txt', "Authorization: Basic $unpadded"), 200,
    'base64 without its padding is no malformation: the admin gets in';

# --- headers and handlers as for a missing file -------------------------
for my $c (
    [ 'a hidden .txt', '/files/secret.txt', '/open/secret.txt' ],
    [ 'a hidden .xyz (cgi-script by extension)', '/files/page.xyz',
      '/open/page.xyz' ],
    [ 'a hidden .tar.gz (a <FilesMatch> of both extensions)',
      '/files/backup.tar.gz', '/open/backup.tar.gz' ],
    [ 'a hidden .lx (lua-script by extension)', '/files/page.lx',
      '/open/page.lx' ],
    [ 'a region from a trusted header', '/region/secret.txt',
      '/open/secret.txt', 'CF-IPCountry: FR' ],
    [ 'a shadow reading the region', '/shadowed/secret.txt',
      '/open/secret.txt', 'CF-IPCountry: FR' ],
) {
    my ($name, $hidden, $missing, @h) = @$c;
    for my $method (qw(GET OPTIONS)) {
        for my $who ([ 'anonymous' ], [ 'a user without the role',
                                        basic('bob', 'secret') ]) {
            my ($w, @auth) = @$who;
            is answer($method, $hidden, @h, @auth),
               answer($method, $missing, @h, @auth),
               "$name, $method, $w: as a missing file";
        }
    }
}

# --- a decoy that is a directory ------------------------------------------
like answer('GET', '/listing/'), qr{^HTTP/1\.1 200 .*Index of /listing}s,
    'the decoy directory is listed when asked for';
my $dirdecoy = answer('GET', '/dirdecoy/f.html', basic('bob', 'secret'));
like $dirdecoy, qr{^HTTP/1\.1 404 }, 'a decoy that is a directory: a plain 404';
unlike $dirdecoy, qr{Index of|listed\.txt}, '... never its listing';

# --- nothing kept per URL -----------------------------------------------
# warm the child up, then many random paths on a few kept-alive connections
open my $pidf, '<', "$dir/run/httpd.pid" or die "no pid file: $!";
my ($parent) = <$pidf> =~ /(\d+)/;
my @children = server_children($parent);    # and mod_cgid's daemon
sub flood {
    my ($count, $tag) = @_;
    my $sock;
    my $sent = 0;
    for my $i (1 .. $count) {
        $sock = IO::Socket::INET->new("127.0.0.1:$port") or die $!
            unless $sock;
        my $rnd = join '', map { ('a' .. 'z')[rand 26] } 1 .. 12;
        # a long directory: what is kept per decoy would show
        print $sock "GET /app/$tag$i-" . ($rnd x 80) . "/$rnd.html HTTP/1.1\r\n"
                    . "Host: localhost\r\n\r\n";
        my ($head, $len) = ('', 0);
        while (defined(my $l = <$sock>)) {
            $head .= $l;
            last if $l eq "\r\n";
        }
        $len = $1 if $head =~ /^Content-Length: (\d+)/mi;
        read $sock, my $body, $len if $len;
        $sent++ if $head =~ m{^HTTP/1\.1 404 };
        undef $sock if $head =~ /^Connection: close/mi || $head eq '';
    }
    return $sent;
}
# (the event MPM may add a line of its own about its threads)
sub log_lines {
    open my $fh, '<', "$dir/run/error_log" or return 0;
    return scalar grep { /hidden denial of / } <$fh>;
}
my $lines = log_lines();
flood(2000, 'w');
my $rss = rss_kb(@children);
is flood(20_000, 'r'), 20_000, '20,000 random hidden paths: all 404';
SKIP: {
    # AddressSanitizer keeps freed memory in quarantine (hosting_memory.t)
    skip 'memory is not measured under the sanitizers (make test measures it)', 1
        if $ENV{POLICY_SANITIZER_LOG};
    cmp_ok rss_kb(@children) - $rss, '<', 8192,
        '... the children grew by less than 8 MB';
}
cmp_ok log_lines() - $lines, '<=', 1,
       '... and the error log by one line (the area\'s unusable decoy)';
