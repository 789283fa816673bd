package PolicyTest::Setup;
# Files the server needs before it starts and that tests may rewrite:
# made fresh in t/var on every run.
use strict;
use warnings;
use Digest::SHA qw(sha1_base64);
use File::Basename qw(dirname);
use File::Path qw(make_path);
use File::Spec;

our $T   = File::Spec->rel2abs(dirname(__FILE__) . '/../..');
our $VAR = "$T/var";

# Every test user's password.
our $PASSWORD = 'secret';
our @USERS = qw(alice bob carol dave erin frank ruth);
# Users whose names try to forge fields of the denial log line: spaces and
# key=value, a quote and a backslash, control bytes, bytes that are not
# UTF-8 (anything but ':', NUL and line ends fits in a Basic credential).
our @HOSTILE_USERS = ("mallory client=203.0.113.9 status=200",
                      "eve\" user=\"admin\\",
                      "ctl\x01\x1b[31m\tx\x7f",
                      "caf\xe9\xff\xfe");

sub write_file {
    my ($path, $text) = @_;
    open my $fh, '>', $path or die "$path: $!";
    print $fh $text;
    close $fh or die "$path: $!";
}

# The server's children run as 'nobody': every directory above t/ must let
# them through.  Only the search (x) bit for others is added, only where
# missing, and the change is announced once, with the command that undoes
# it (a clone under /root, mode 700, needs it for /root).
sub ensure_traversable {
    my @parts = File::Spec->splitdir($T);
    my @changed;
    for my $i (1 .. $#parts) {
        my $dir = File::Spec->catdir(@parts[0 .. $i]) || '/';
        my $mode = (stat $dir)[2] or next;
        next if $mode & 0001;
        chmod(($mode & 07777) | 0001, $dir) and push @changed, $dir;
    }
    print STDERR "# the test server runs as nobody, which must reach $T: "
        . "added o+x (search only) to @changed; undo with: chmod o-x @changed\n"
        if @changed;
    return @changed;
}

# The start of the configuration of a server of its own (the bench, the
# soak, the fleet test, configuration tests): where it lives, who it runs
# as, the MPM and the modules, this one last.
#   standalone_conf(root => DIR, listen => 'HOST:PORT', so => MODULE.so,
#                   modules => [qw(authn_core ...)], mpm => 'event',
#                   log_level => 'warn authz_policy:info', error_log => FILE)
sub standalone_conf {
    my (%o) = @_;
    my $mpm = $o{mpm} || 'event';
    my $load = join '', map {
        "LoadModule ${_}_module /usr/lib/apache2/modules/mod_$_.so\n"
    } "mpm_$mpm", @{ $o{modules} || [] };
    my $error_log = $o{error_log} || "$o{root}/error_log";
    my $level = $o{log_level} || 'warn';
    return <<"CONF";
ServerRoot "$o{root}"
ServerName 127.0.0.1
Listen $o{listen}
PidFile "$o{root}/httpd.pid"
DefaultRuntimeDir "$o{root}"
ErrorLog "$error_log"
LogLevel $level
User nobody
Group nogroup
${load}LoadModule authz_policy_module "$o{so}"
CONF
}

# Runs SQL against the tests' SQLite database (the server's user must be
# able to read it, and its directory, for SQLite's journal).
sub sqlite {
    my ($sql, $db) = @_;
    $db = "$VAR/" . ($db || 'attrs.sqlite');
    open my $p, '|-', 'sqlite3', $db or die "sqlite3: $!";
    print $p $sql;
    close $p or die "sqlite3 failed\n";
    chmod 0644, $db;
}

sub prepare_var {
    ensure_traversable();
    make_path($VAR);
    # {SHA} entries: password hashing would drown the figures in bench/.
    my $sha = sha1_base64($PASSWORD) . '=';
    write_file("$VAR/htpasswd", join '', map { "$_:{SHA}$sha\n" }
                                       @USERS, @HOSTILE_USERS);
    write_file("$VAR/reload-users.txt", "ruth role=admin\n");

    # Networks: test clients use source addresses in 127.0.0.0/8.
    write_file("$VAR/office.txt", "# the office\n127.0.0.1\n127.0.0.3\n::1\n");
    write_file("$VAR/blocked.txt", "127.0.0.5\n127.0.0.6/31 # two more\n");
    write_file("$VAR/reload-ips.txt", "127.0.0.8\n");
    # IPv6 networks that hold all of ::ffff:0:0/96 (and so all of IPv4),
    # and some that lie beside it
    write_file("$VAR/v6-wide.txt", "::ffff:0:0/95\n");
    write_file("$VAR/v6-beside.txt", "::/96\n2001:db8::/32\n");
    # a large list: 200,000 networks, one of them loopback
    open my $big, '>', "$VAR/big.txt" or die $!;
    for my $i (0 .. 199_998) {
        printf $big "10.%d.%d.%d/32\n", $i >> 16, ($i >> 8) & 255, $i & 255;
    }
    print $big "127.0.0.7\n";
    close $big;
    # attributes kept in SQL (SQLite through mod_dbd)
    unlink "$VAR/attrs.sqlite", "$VAR/broken.sqlite";
    sqlite("CREATE TABLE roles (user TEXT, role TEXT);
            CREATE TABLE plans (user TEXT, plan TEXT);
            INSERT INTO roles VALUES ('bob', 'auditor'), ('bob', 'support'),
                                     ('dave', 'auditor'), ('erin', 'temp');
            INSERT INTO plans VALUES ('carol', 'enterprise');");
    sqlite("CREATE TABLE other (x TEXT);", 'broken.sqlite');

    # a GeoIP database that gives loopback addresses regions
    system($^X, "$T/data/make-geoip.pl", "$VAR/geo.mmdb") == 0
        or die "make-geoip.pl failed\n";
    chmod 0755, $VAR;
}

1;
