package PolicyTest::Slapd;
# An OpenLDAP server of the test's own (Debian's slapd, never the
# system's): its slapd.conf and databases under t/var/slapd, listening on
# 127.0.0.1:POLICY_TEST_PORT+88.  Two directories with the same people and
# groups: dc=example,dc=com keeps memberOf values (the memberof overlay),
# dc=plain,dc=com does not.  The groups, in each:
#   admins       alice
#   devs         bob
#   engineering  devs               (bob through one level of nesting)
#   staff        engineering        (bob through two)
#   Release Managers  bob           (a name with a space, for maps)
# carol is in no group; every password is the suite's.
use strict;
use warnings;
use File::Path qw(make_path remove_tree);
use POSIX ();
use Time::HiRes qw(sleep time);
use PolicyTest::Setup ();

our $DIR = "$PolicyTest::Setup::VAR/slapd";
our $SLAPD = '/usr/sbin/slapd';
our $ROOTPW = 'ldap-admin-secret';

sub port { $ENV{AUTHZ_POLICY_LDAP_PORT} || ($ENV{POLICY_TEST_PORT} || 8529) + 88 }
sub url  { 'ldap://127.0.0.1:' . port() }
sub available { -x $SLAPD && -x '/usr/bin/ldapadd' }

sub database {
    my ($suffix, $overlay) = @_;
    (my $name = $suffix) =~ s/^dc=(\w+).*/$1/;
    make_path("$DIR/$name");
    my $conf = <<"EOF";
database mdb
maxsize 10485760
suffix "$suffix"
rootdn "cn=admin,$suffix"
rootpw $ROOTPW
directory $DIR/$name
index objectClass,uid,member eq
EOF
    $conf .= <<"EOF" if $overlay;
overlay memberof
memberof-group-oc groupOfNames
memberof-member-ad member
memberof-memberof-ad memberOf
EOF
    return $conf;
}

# What every slapd.conf here starts with: schemas, modules, pid file,
# access (the bench's directory uses it too).
sub preamble {
    return <<"EOF";
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload memberof
pidfile $DIR/slapd.pid
access to attrs=userPassword by anonymous auth by * none
access to * by * read
EOF
}

sub write_conf {
    remove_tree($DIR);
    make_path($DIR);
    my $conf = preamble() . database('dc=example,dc=com', 1)
             . database('dc=plain,dc=com', 0);
    PolicyTest::Setup::write_file("$DIR/slapd.conf", $conf);
}

sub ldif {
    my ($suffix) = @_;
    my ($dc) = $suffix =~ /^dc=(\w+)/;
    my $pw = $PolicyTest::Setup::PASSWORD;
    my $g = "ou=groups,$suffix";
    my $text = "dn: $suffix\nobjectClass: dcObject\nobjectClass: organization\n"
             . "o: $dc\ndc: $dc\n\n"
             . "dn: ou=people,$suffix\nobjectClass: organizationalUnit\nou: people\n\n"
             . "dn: $g\nobjectClass: organizationalUnit\nou: groups\n\n";
    for my $u (qw(alice bob carol)) {
        $text .= "dn: uid=$u,ou=people,$suffix\nobjectClass: inetOrgPerson\n"
               . "uid: $u\ncn: $u\nsn: $u\nuserPassword: $pw\n\n";
    }
    my @groups = (['admins', 'uid=alice,ou=people'], ['devs', 'uid=bob,ou=people'],
                  ['engineering', 'cn=devs,ou=groups'],
                  ['staff', 'cn=engineering,ou=groups'],
                  ['Release Managers', 'uid=bob,ou=people']);
    for (@groups) {
        my ($cn, $member) = @$_;
        $text .= "dn: cn=$cn,$g\nobjectClass: groupOfNames\ncn: $cn\n"
               . "member: $member,$suffix\n\n";
    }
    return $text;
}

sub pid {
    open my $fh, '<', "$DIR/slapd.pid" or return;
    my $pid = <$fh>;
    return $pid && $pid =~ /^(\d+)/ ? $1 : undef;
}

# The root DSE answers as soon as slapd listens, entries or not.
sub answers {
    system('ldapsearch -x -H ' . url() . " -b '' -s base -LLL dn"
           . ' >/dev/null 2>&1') == 0;
}

# Starts slapd (as root, it stays root: its files are under t/var) and
# waits until it answers.
sub start {
    my $url = url();
    system($SLAPD, '-h', $url, '-f', "$DIR/slapd.conf") == 0
        or die "slapd did not start (see syslog; try slapd -d 1 -f $DIR/slapd.conf)\n";
    my $end = time + 20;
    sleep 0.2 until answers() || time > $end;
    die "slapd does not answer on $url\n" unless answers();
}

# A new directory with its entries, started.
sub setup {
    write_conf();
    start();
    for my $suffix ('dc=example,dc=com', 'dc=plain,dc=com') {
        PolicyTest::Setup::write_file("$DIR/data.ldif", ldif($suffix));
        system("ldapadd -x -H " . url() . " -D 'cn=admin,$suffix' -w $ROOTPW"
               . " -f $DIR/data.ldif >$DIR/ldapadd.log 2>&1") == 0
            or die "ldapadd failed: see $DIR/ldapadd.log\n";
    }
}

# Stops it and waits until it is gone.
sub stop {
    my $pid = pid() or return;
    kill 'TERM', $pid or return;
    my $end = time + 20;
    sleep 0.1 while kill(0, $pid) && time < $end;
    kill 'KILL', $pid if kill 0, $pid;
    unlink "$DIR/slapd.pid";
}

1;
