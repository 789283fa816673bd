# The rules for believing a changed data file (user files and IP lists):
# a normal change is picked up within a few seconds, also when the file
# is replaced by rename with a shorter one; but what a writer caught
# mid-way leaves (an empty file, even a new one put in place by rename; a
# file rewritten in place that shrank; a text file whose last line has no
# newline) is believed only once it has stayed unchanged for 10 seconds.
# A vanished IP list or GeoIP database fails closed (500) until it is
# back; a failed GeoIP look-up answers 500.
#
# Every case has its own file (t/conf/extra.conf.in, /r/...), so that all
# of them wait out their settling time at once.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use PolicyTest;
use Time::HiRes qw(time sleep);

plan tests => 29;

# What a client sees: ruth is an admin in every "before" version of the
# user files, and 127.0.0.5 is in every "before" version of the
# blocklists.  alice and 127.0.0.4 are in the "before" versions only:
# they show that a "before" version is in force (a change is measured
# against the version in force).
my $users = "ruth role=admin\nalice role=admin\n";
my $ips = "127.0.0.5\n127.0.0.4\n";
my %case = (
    # by rename: a new file, so that the shrinking rule does not apply
    'users-empty'      => { before => $users, after => '', rename => 1 },
    'users-shrunk'     => { before => $users, after => "ruth role=viewer\n" },
    'users-unfinished' => { before => $users,
                            after => "# demoted, and no newline at the end\nruth role=viewer" },
    'users-normal'     => { before => $users,
                            after => "# demoted, a longer version\nruth role=viewer\n" },
    'users-renamed'    => { before => "$users# a longer first version\n",
                            after => "ruth role=viewer\n", rename => 1 },
    'ips-empty'        => { before => $ips, after => '', rename => 1 },
    'ips-shrunk'       => { before => $ips, after => "127.0.0.6\n" },
    'ips-unfinished'   => { before => $ips, after => "127.0.0.6\n127.0.0.8\n127.0.0.7" },
    'ips-normal'       => { before => $ips, after => "127.0.0.6\n127.0.0.7\n127.0.0.8\n" },
    'ips-renamed'      => { before => "$ips# a longer first version\n",
                            after => "127.0.0.6\n", rename => 1 },
);
my @suspect = grep { !/normal|renamed/ } sort keys %case;
my @normal = grep { /normal|renamed/ } sort keys %case;

sub file_of {
    my ($name) = @_;
    my ($kind, $rule) = split /-/, $name, 2;
    return var_path("rules-$kind-$rule.txt");
}
# the status a case answers: before 200 (admin) or 403 (blocked), after
# the opposite
sub ask {
    my ($name, $marker) = @_;
    return $name =~ /^users/
        ? req(GET => "/r/$name/", user => $marker ? 'alice' : 'ruth')->code
        : from($marker ? '127.0.0.4' : '127.0.0.5', "/r/$name/")->code;
}
sub want_before { $_[0] =~ /^users/ ? 200 : 403 }
sub want_after  { $_[0] =~ /^users/ ? 403 : 200 }

sub replace_by_rename {
    my ($path, $text) = @_;
    write_file("$path.new", $text);
    rename "$path.new", $path or die "$path: $!";
}

# Asks every named case (and its marker, with marker set) until each has
# answered what want() says five times in a row, or secs pass; returns the
# cases that did not.
sub settle_all {
    my ($secs, $want, $marker, @names) = @_;
    my %streak = map { $_ => 0 } @names;
    my $end = time + $secs;
    while (time < $end) {
        for my $n (grep { $streak{$_} < 5 } @names) {
            my $ok = ask($n) == $want->($n)
                     && (!$marker || ask($n, 1) == $want->($n));
            $streak{$n} = $ok ? $streak{$n} + 1 : 0;
        }
        last unless grep { $streak{$_} < 5 } @names;
        sleep 0.1;
    }
    return grep { $streak{$_} < 5 } @names;
}

# The "before" versions, by rename (a new file: no rule holds it back).
replace_by_rename(file_of($_), $case{$_}{before}) for sort keys %case;
my @late = settle_all(20, \&want_before, 1, sort keys %case);
is "@late", '', 'every case starts from its first version';

# The changes, all at once: in place unless replaced by rename.
my $size = error_log_size();
my $changed = time;
for my $n (sort keys %case) {
    if ($case{$n}{rename}) { replace_by_rename(file_of($n), $case{$n}{after}) }
    else                   { write_file(file_of($n), $case{$n}{after}) }
}

# For the first 5 seconds (well inside the 10), the suspect files are not
# believed by any server process, while the normal changes are picked up.
my (%wrong, %streak);
while (time < $changed + 5 || (grep { ($streak{$_} || 0) < 5 } @normal)
                              && time < $changed + 8) {
    for my $n (@suspect) {
        my $code = ask($n);
        $wrong{$n} = $code if $code != want_before($n) && time < $changed + 5;
    }
    for my $n (@normal) {
        $streak{$n} = ask($n) == want_after($n) ? ($streak{$n} || 0) + 1 : 0;
    }
}
for my $n (@suspect) {
    ok !exists $wrong{$n}, "$n: not believed within 5 s"
        . (exists $wrong{$n} ? " (answered $wrong{$n})" : '');
}
for my $n (@normal) {
    ok(($streak{$n} || 0) >= 5, "$n: picked up within 8 s");
}
# ... and then, after 10 seconds unchanged, they are.
@late = settle_all(25, \&want_after, 0, @suspect);
is "@late", '', 'the suspect files are believed once they have stayed unchanged';
like error_log_since($size), qr/rules-users-empty\.txt reloaded/,
    '... and the log says when';
unlike error_log_since($size), qr/rules-\w+-\w+\.txt.*(line \d|cannot)/,
    '... no errors';

# The in-between states were never believed: requests during the wait
# were answered from the first versions (checked above); now the last
# versions hold exactly what they say.
is ask('users-unfinished'), 403, 'a last line without newline: read in full';
is from('127.0.0.7', '/r/ips-unfinished/')->code, 403,
    '... its last address counts';

# A vanished IP list fails closed (500) until it is back.
my $gone = var_path('rules-ips-gone.txt');
sub gone_code { from('127.0.0.2', '/r/ips-gone/')->code }
ok settles(\&gone_code, 200), 'IP list: as started';
$size = error_log_size();
unlink $gone or die $!;
ok settles(\&gone_code, 500), 'IP list removed: 500';
is from('127.0.0.3', '/r/ips-gone/')->code, 500, '... for everyone';
like error_log_since($size), qr/rules-ips-gone\.txt has gone/, '... logged';
replace_by_rename($gone, "127.0.0.2\n");
ok settles(\&gone_code, 200), 'IP list back: 200';

# A vanished GeoIP database fails closed too.
my $geo = var_path('geo-gone.mmdb');
sub geo_code { from('127.0.0.2', '/n/de/', vhost => 'policy_geo_gone')->code }
ok settles(\&geo_code, 200), 'GeoIP: as started (DE)';
$size = error_log_size();
rename $geo, "$geo.away" or die $!;
ok settles(\&geo_code, 500), 'GeoIP database removed: 500';
is from('127.0.0.3', '/n/de/', vhost => 'policy_geo_gone')->code, 500,
    '... for everyone';
like error_log_since($size), qr/geo-gone\.mmdb has gone/, '... logged';
rename "$geo.away", $geo or die $!;
ok settles(\&geo_code, 200, 10), 'GeoIP database back: 200';

# A database that opens but whose look-ups fail: 500, never a decision.
$size = error_log_size();
is from('127.0.0.2', '/n/de/', vhost => 'policy_geo_corrupt')->code, 500,
    'GeoIP look-up failure: 500';
is from('127.0.0.1', '/n/de/', vhost => 'policy_geo_corrupt')->code, 500,
    '... for every client';
like wait_for(5, sub { error_log_since($size) }),
    qr/GeoIP look-up of 127\.0\.0\.2 failed: .*corrupt/, '... logged with the reason';
