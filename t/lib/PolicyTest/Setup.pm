package PolicyTest::Setup;
# Files the server needs before it starts and that tests may rewrite:
# made fresh in t/var on every run.
use strict;
use warnings;
use Digest::SHA qw(sha1_base64);
use Cwd ();
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
    write_file("$VAR/htpasswd", join '', map { "$_:{SHA}$sha\n" }
                                       @USERS, @HOSTILE_USERS);
    write_file("$VAR/reload-users.txt", "ruth role=admin\n");
    # t/grants.t writes the users with instants around the time it runs
    write_file("$VAR/grants-users.txt", "# see t/grants.t\n");
    write_file("$VAR/status-users.txt", "ruth role=admin\n");    # status.t

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
    prepare_hosting();
}

# --- Shared hosting: two customers and the server's User ----------------
#
# Customers azp-tenant-a and azp-tenant-b each own a public_html under
# var/hosting (served at /ha and /hb with AllowOverride AuthConfig); their
# files are 0640, group nogroup: the server (nobody:nogroup) reads them,
# the other customer does not.  The administrator's data files are root's.

# (without ".." in it: the paths below are what the server logs)
our $HOSTING = Cwd::realpath($T) . '/var/hosting';
our @TENANTS = qw(azp-tenant-a azp-tenant-b);
# Markers that must never leave customer B's secret files and the
# administrator's 0640 users file.  Made at random for each run and kept
# in var (root's only): a marker written here would be found in every
# copy of this file, such as a clone of the project under /tmp.
our ($B_SECRET, $ADMIN_SECRET) = secrets();
sub secrets {
    if (open my $fh, '<', "$VAR/hosting-secrets") {
        chomp(my @s = <$fh>);
        return @s if @s == 2;
    }
    return map { sprintf '%s-%08x%08x', $_, int rand 2**32, int rand 2**32 }
               qw(bsecret adminsecret);
}
# A user name that tries to add fields to the denial log line.
our $FORGER = 'mallory client=203.0.113.9 status=200';
# How many .htaccess-named files the memory test loads.
our $MANY = 5000;

# Two paths under /tmp whose FNV-1a 64 (with the module's old offset basis
# 1469598103934665603) of "AuthzPolicyUserFile\n" . path are equal: the
# name under which images of data files used to be shared.  The first is
# the administrator's users file, the second customer A's.  Found by
# Pollard's rho with distinguished points over 16-hex-digit names (about
# 6e9 hashes, two minutes on one core).
our @COLLIDING = ('/tmp/azp-ef30f3d588661563', '/tmp/azp-df30f9f2d2c32166');

sub ensure_user {
    my ($name) = @_;
    return if defined getpwnam $name;
    system('useradd', '--system', '--no-create-home', '--home-dir',
           '/nonexistent', '--shell', '/usr/sbin/nologin', $name) == 0
        or die "useradd $name failed\n";
}

# owner(NAME) -> (uid, gid of nogroup)
sub tenant_ids {
    my ($name) = @_;
    my $uid = getpwnam($name);
    die "no user $name\n" unless defined $uid;
    return ($uid, scalar getgrnam('nogroup'));
}

# put(PATH, TEXT, OWNER, MODE): a file owned by OWNER (a user name, or root),
# group nogroup for customers.
sub put {
    my ($path, $text, $owner, $mode) = @_;
    make_path(dirname($path));
    write_file($path, $text);
    chown_to($path, $owner);
    chmod $mode, $path;
}

sub chown_to {
    my ($path, $owner) = @_;
    my ($uid, $gid) = $owner eq 'root' ? (0, 0) : tenant_ids($owner);
    # lchown: a symlink itself belongs to whoever planted it
    system('chown', '-h', "$uid:$gid", $path) == 0 or die "chown $path\n";
}

sub customer_dir {
    my ($path, $owner) = @_;
    make_path($path);
    chown_to($path, $owner);
    chmod 0750, $path;
}

sub htaccess {
    my ($dir, $owner, @lines) = @_;
    customer_dir($dir, $owner);
    put("$dir/.htaccess", join('', map { "$_\n" } @lines), $owner, 0640);
    put("$dir/index.html", "$dir\n", $owner, 0640);
}

sub prepare_hosting {
    ensure_user($_) for @TENANTS;
    write_file("$VAR/hosting-secrets", "$B_SECRET\n$ADMIN_SECRET\n");
    chmod 0600, "$VAR/hosting-secrets";
    # what an earlier run of the module left in the runtime directory
    # (unless a server is still running there)
    my $pid = -e "$T/logs/httpd.pid" ? `cat $T/logs/httpd.pid` : '';
    system('rm', '-rf', "$T/logs/authz_policy")
        unless $pid =~ /^(\d+)/ && kill 0, $1;
    my ($ta, $tb) = @TENANTS;
    system('rm', '-rf', $HOSTING) == 0 or die "rm $HOSTING\n";
    make_path($HOSTING);
    chmod 0755, $HOSTING;
    my $a = "$HOSTING/a";
    my $b = "$HOSTING/b";
    customer_dir($_, $ta) for $a, "$a/public_html", "$a/data";
    customer_dir($_, $tb) for $b, "$b/public_html", "$b/data";
    my $ah = "$a/public_html";
    my $bh = "$b/public_html";

    # The administrator's areas (the main configuration names these files).
    my $admin = "$HOSTING/admin";
    make_path(map { "$admin/$_" } qw(collide private restart served));
    write_file("$admin/$_/index.html", "admin $_\n")
        for qw(collide private restart served);
    write_file("$admin/index.html", "admin\n");
    my $admin_users = "alice role=admin\nbob role=editor\n"
                    . "$ADMIN_SECRET role=viewer\n";
    put("$HOSTING/admin-users.txt", $admin_users, 'root', 0640);
    put("$HOSTING/restart-users.txt", "ruth role=admin\n", 'root', 0644);
    put("$admin/served-users.txt", "alice role=admin\n", 'root', 0644);
    # the colliding pair: the administrator's under /tmp, customer A's
    unlink @COLLIDING;
    put($COLLIDING[0], "alice role=admin\nbob role=editor\n", 'root', 0644);
    put($COLLIDING[1], "bob role=admin\n", $ta, 0640);
    # a root-owned file that nothing may ever write through a planted link
    put("$HOSTING/root-only", "root's own\n", 'root', 0600);

    # The hosting areas' users: the suite's, and one whose name looks like
    # more fields of the denial log line.
    my $sha = sha1_base64($PASSWORD) . '=';
    write_file("$HOSTING/htpasswd", join '', map { "$_:{SHA}$sha\n" }
               @USERS, $FORGER);

    # Customer B: secrets A must never see, and B's own protected area.
    put("$bh/.env", "DB_PASSWORD=hunter2-$B_SECRET\n"
                  . "STRIPE_KEY=sk_live_$B_SECRET\n", $tb, 0640);
    put("$bh/wp-config.php", "<?php\ndefine('DB_NAME', 'wp-$B_SECRET');\n",
        $tb, 0640);
    put("$bh/index.html", "b static\n", $tb, 0640);
    put("$b/data/users.txt", "bob role=admin\ncarol role=viewer\n", $tb,
        0640);
    # readable by anyone, and it does not parse: if it were read, the log
    # would say where it fails
    put("$b/data/broken.txt", "zz-b-broken colour=blue\n", $tb, 0644);
    htaccess("$bh/own", $tb, "AuthzPolicyUserFile $b/data/users.txt",
             'Require role admin');

    # Customer A.
    put("$a/data/users.txt", "bob role=admin\n", $ta, 0640);
    htaccess("$ah/basic", $ta, "AuthzPolicyUserFile $ah/basic/users.txt",
             'Require role admin');
    put("$ah/basic/users.txt", "bob role=admin\n", $ta, 0640);
    htaccess("$ah/collide", $ta, "AuthzPolicyUserFile $COLLIDING[1]",
             'Require role admin');
    htaccess("$ah/env", $ta, "AuthzPolicyUserFile $bh/.env",
             'Require valid-user');
    htaccess("$ah/wp", $ta, "AuthzPolicyUserFile $bh/wp-config.php",
             'Require valid-user');
    # A's .htaccess is a symlink (A's) to B's own .htaccess (hosting.t)
    customer_dir("$ah/htlink", $ta);
    put("$ah/htlink/index.html", "a htlink\n", $ta, 0640);
    unlink "$ah/htlink/.htaccess";
    symlink "$bh/own/.htaccess", "$ah/htlink/.htaccess" or die $!;
    chown_to("$ah/htlink/.htaccess", $ta);
    htaccess("$ah/other", $ta, "AuthzPolicyUserFile $b/data/users.txt",
             'Require role admin');
    htaccess("$ah/broken", $ta, "AuthzPolicyUserFile $b/data/broken.txt",
             'Require role admin');
    symlink "$b/data/users.txt", "$a/data/link-to-b" or die $!;
    chown_to("$a/data/link-to-b", $ta);
    htaccess("$ah/link", $ta, "AuthzPolicyUserFile $a/data/link-to-b",
             'Require role admin');
    htaccess("$ah/fifo", $ta, "AuthzPolicyUserFile $a/data/fifo",
             'Require role admin');
    # (hosting.t makes the FIFO itself, as A)
    htaccess("$ah/dir", $ta, "AuthzPolicyUserFile $a/data",
             'Require role admin');
    htaccess("$ah/devzero", $ta, 'AuthzPolicyUserFile /dev/zero',
             'Require role admin');
    htaccess("$ah/socket", $ta, "AuthzPolicyUserFile $a/data/socket",
             'Require role admin');
    htaccess("$ah/huge", $ta, "AuthzPolicyUserFile $a/data/huge.txt",
             'Require role admin');
    put("$a/data/huge.txt", '', $ta, 0640);
    truncate "$a/data/huge.txt", 2 * 1024 ** 3 or die "truncate: $!";
    htaccess("$ah/big", $ta, "AuthzPolicyUserFile $a/data/big.txt",
             'Require role admin');
    # just over the default limit of 16M, in lines that parse
    put("$a/data/big.txt", "bob role=admin\n"
        . join('', map { sprintf "user%07d role=viewer\n", $_ } 1 .. 700_000),
        $ta, 0640);
    htaccess("$ah/bad", $ta, "AuthzPolicyUserFile $a/data/bad.txt",
             'Require role admin');
    put("$a/data/bad.txt", "bob role=admin\nbob colour=blue\n", $ta, 0640);
    htaccess("$ah/token", $ta, "AuthzPolicyUserFile $a/data/token.txt",
             'Require role admin');
    # a bad token: control bytes, and far longer than a log may show
    put("$a/data/token.txt", "bob role=admin\nrole=\e[31m" . ('T' x 200)
        . "\n", $ta, 0640);

    # Areas under a virtual host that lists directories (DIR mode).
    my $shared = "$HOSTING/shared-data";
    make_path($shared);
    put("$shared/users.txt", "bob role=admin\n", 'root', 0644);
    symlink "$a/data/users.txt", "$shared/escape.txt" or die $!;
    htaccess("$ah/shared", $ta, "AuthzPolicyUserFile $shared/users.txt",
             'Require role admin');
    htaccess("$ah/escape", $ta, "AuthzPolicyUserFile $shared/escape.txt",
             'Require role admin');
    htaccess("$ah/own", $ta, "AuthzPolicyUserFile $a/data/users.txt",
             'Require role admin');
    # a sibling whose name only begins with a listed directory's
    make_path("$shared-more");
    put("$shared-more/users.txt", "bob role=admin\n", 'root', 0644);
    htaccess("$ah/sibling", $ta, "AuthzPolicyUserFile $shared-more/users.txt",
             'Require role admin');

    # Many small .htaccess-named files (memory and disk).
    customer_dir("$ah/many", $ta);
    customer_dir("$a/data/many", $ta);
    my ($uid, $gid) = tenant_ids($ta);
    for my $i (1 .. $MANY) {
        my $dir = "$ah/many/$i";
        mkdir $dir;
        write_file("$dir/.htaccess",
                   "AuthzPolicyUserFile $a/data/many/$i.txt\nRequire role admin\n");
        write_file("$dir/index.html", "$i\n");
        write_file("$a/data/many/$i.txt",
                   "# site $i\nbob role=admin\nuser$i role=viewer\n");
        chown $uid, $gid, $dir, "$dir/.htaccess", "$dir/index.html",
            "$a/data/many/$i.txt";
        chmod 0750, $dir;
        chmod 0640, "$dir/.htaccess", "$dir/index.html", "$a/data/many/$i.txt";
    }
}

1;
