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

sub write_file {
    my ($path, $text) = @_;
    open my $fh, '>', $path or die "$path: $!";
    print $fh $text;
    close $fh or die "$path: $!";
}

# The server's children run as 'nobody': every directory above t/ must let
# them through.  Only the search (x) bit is added, and only where missing.
sub ensure_traversable {
    my @parts = File::Spec->splitdir($T);
    for my $i (1 .. $#parts) {
        my $dir = File::Spec->catdir(@parts[0 .. $i]) || '/';
        my $mode = (stat $dir)[2] or next;
        next if $mode & 0001;
        chmod(($mode & 07777) | 0001, $dir)
            and print "# made $dir traversable for the test server's user\n";
    }
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

# An IP list of random networks that never merge into each other: in each
# /16 of 127.0.0.0/10 and of 10.0.0.0/8, groups of four addresses hold
# one of: the first address, the first two (a /31), the first and the
# third, or the third alone; the fourth is never listed.  Many ranges per
# /16, all apart.  Deterministic (same seed every run); the tests work out
# what it holds from the file itself.
sub write_random_list {
    my ($path, $count) = @_;
    my @pattern = ([0], ['0/31'], [0, 2], [2]);
    srand(20261127);
    open my $fh, '>', $path or die "$path: $!";
    my $n = 0;
    my @sixteens = ((map { [127, $_] } 0 .. 63), (map { [10, $_] } 0 .. 255));
    OUTER: for my $b (@sixteens) {
        for my $group (0 .. 16383) {
            next if rand() < 0.25;
            my ($c, $d) = ($group >> 6, ($group & 63) * 4);
            for my $p (@{ $pattern[int rand 4] }) {
                my ($off, $len) = split m{/}, $p;
                print $fh "$b->[0].$b->[1].$c." . ($d + $off)
                          . (defined $len ? "/$len" : '') . "\n";
                last OUTER if ++$n == $count;
            }
        }
    }
    close $fh or die "$path: $!";
}

sub prepare_var {
    ensure_traversable();
    make_path($VAR);
    # {SHA} entries: password hashing would drown the figures in bench/.
    my $sha = sha1_base64($PASSWORD) . '=';
    write_file("$VAR/htpasswd", join '', map { "$_:{SHA}$sha\n" } @USERS);
    write_file("$VAR/reload-users.txt", "ruth role=admin\n");

    # Networks: test clients use source addresses in 127.0.0.0/8.
    write_file("$VAR/office.txt", "# the office\n127.0.0.1\n127.0.0.3\n::1\n");
    write_file("$VAR/blocked.txt", "127.0.0.5\n127.0.0.6/31 # two more\n");
    write_file("$VAR/reload-ips.txt", "127.0.0.8\n");
    # a large list: 200,000 networks, one of them loopback
    open my $big, '>', "$VAR/big.txt" or die $!;
    for my $i (0 .. 199_998) {
        printf $big "10.%d.%d.%d/32\n", $i >> 16, ($i >> 8) & 255, $i & 255;
    }
    print $big "127.0.0.7\n";
    close $big;
    write_random_list("$VAR/random.txt", 1_000_000);
    # one file per reload rule (t/reload_rules.t): what it holds at first
    write_file("$VAR/rules-users-$_.txt", "ruth role=admin\n")
        for qw(empty shrunk unfinished normal renamed);
    write_file("$VAR/rules-ips-$_.txt", "127.0.0.5\n")
        for qw(empty shrunk unfinished normal renamed);
    write_file("$VAR/rules-ips-gone.txt", "127.0.0.2\n");
    # attributes kept in SQL (SQLite through mod_dbd)
    unlink "$VAR/attrs.sqlite", "$VAR/broken.sqlite";
    sqlite("CREATE TABLE roles (user TEXT, role TEXT);
            CREATE TABLE plans (user TEXT, plan TEXT);
            INSERT INTO roles VALUES ('bob', 'auditor'), ('bob', 'support'),
                                     ('dave', 'auditor'), ('erin', 'temp');
            INSERT INTO plans VALUES ('carol', 'enterprise');");
    sqlite("CREATE TABLE other (x TEXT);", 'broken.sqlite');
    # databases that t/sql_failures.t breaks
    for my $db (qw(sql-error sql-drop sql-lock)) {
        unlink "$VAR/$db.sqlite";
        # every statement of the server is prepared on every connection:
        # the main server's need their tables too
        sqlite("CREATE TABLE roles (user TEXT, role TEXT);
                CREATE TABLE plans (user TEXT, plan TEXT);
                INSERT INTO roles VALUES ('bob', 'auditor');", "$db.sqlite");
    }

    # a GeoIP database that gives loopback addresses regions
    system($^X, "$T/data/make-geoip.pl", "$VAR/geo.mmdb") == 0
        or die "make-geoip.pl failed\n";
    # copies: one that t/reload_rules.t removes, and one whose search tree
    # is overwritten (it opens, but every look-up fails)
    for my $copy (qw(geo-gone geo-corrupt)) {
        system('cp', "$VAR/geo.mmdb", "$VAR/$copy.mmdb") == 0 or die "cp: $?\n";
    }
    open my $geo, '+<:raw', "$VAR/geo-corrupt.mmdb" or die $!;
    print $geo "\xff" x 8;
    close $geo or die $!;
    chmod 0755, $VAR;
}

1;
