# Shared hosting (docs/shared-hosting.md): a file loaded as a data file
# answers 404 as content, and is known by more than its inode number.
# Customer A loads many files of its own and deletes them while their
# copies are still kept; B's new files that get those inode numbers are
# B's pages, served.  (A's files are in B's upload directory, writable by
# all as many sites' are: the filesystem gives a new file a freed inode
# number of its own directory's neighbourhood.)  A server of its own (POLICY_TEST_PORT + 62, one
# process: A's loads and B's requests meet in it).
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use PolicyTest;
use PolicyTest::Hosting;
use PolicyTest::Setup ();
use File::Path qw(make_path remove_tree);

plan tests => 6;

my $port = ($ENV{POLICY_TEST_PORT} || 8529) + 62;     # away from the suite
my $dir = var_path('hosting-inodes');
my $run = "$dir/run";
my ($TA, $TB) = @PolicyTest::Setup::TENANTS;
my $A = hosting_path('a');
my $B = hosting_path('b');
my $K = 300;                    # files A loads and deletes

sub stop { stop_server("$run/httpd.pid") }
stop();                          # an earlier, interrupted run's
remove_tree($dir);
make_path($run, "$dir/htdocs");
END { stop() }

# A's area: its .htaccess names K files of A's own, then one inside the
# area itself, which applies
my $new = "$B/public_html/ino-$$";
PolicyTest::Setup::customer_dir($new, $TB);
chmod 01777, $new;
my @gone = map { "$new/a-$_.txt" } 1 .. $K;
PolicyTest::Setup::put($_, "bob role=admin\n", $TA, 0640) for @gone;
my $area = "$A/public_html/ino-$$";
PolicyTest::Setup::htaccess($area, $TA,
                            (map { "AuthzPolicyUserFile $_" } @gone,
                                 "$area/users.txt"),
                            'Require role admin');
PolicyTest::Setup::put("$area/users.txt", "bob role=admin\n", $TA, 0640);

write_file("$dir/htdocs/index.html", "static\n");
start_hosting_server(dir => $dir, port => $port, conf => <<"CONF");
Alias /ha "$A/public_html"
Alias /hb "$B/public_html"
CONF

sub get { (get_as_bob($port, $_[0]))[0] }

is get("/ha/ino-$$/"), 200, "A's area naming $K + 1 files of A's own: 200";
is get("/ha/ino-$$/users.txt"), 404,
    "... the file it loaded, asked for as content: 404";
chmod 0644, "$area/users.txt";
is get("/ha/ino-$$/users.txt"), 404,
    '... still 404 once its mode has changed';

# A deletes its files; B makes new pages until some get their inode numbers
my %freed = map { (stat $_)[1] => 1 } @gone;
unlink @gone;
my @reused;
for my $i (1 .. 20 * $K) {
    my $page = "$new/p$i.html";
    PolicyTest::Setup::write_file($page, "b's page $i\n");
    push @reused, $page if $freed{ (stat $page)[1] };
    last if @reused == 5;
}
note scalar(@reused) . " of B's new pages have inode numbers A's files had";
SKIP: {
    skip 'this filesystem gave none of the freed inode numbers to B\'s '
        . 'new files', 2 unless @reused;
    chmod 0644, @reused;
    PolicyTest::Setup::chown_to($_, $TB) for @reused;
    my @st = map { get("/hb/ino-$$/" . (split m{/}, $_)[-1]) } @reused;
    is "@st", join(' ', ('200') x @reused),
        "B's new pages with the inode numbers of A's deleted files: 200";
    is get("/hb/ino-$$/" . (split m{/}, $reused[0])[-1]), 200,
        '... again';
}
PolicyTest::Setup::htaccess($area, $TA, "AuthzPolicyUserFile $area/users.txt",
                            'Require role admin');
is get("/ha/ino-$$/users.txt"), 404,
    "A's loaded file, named alone now, still answers 404";
stop();
