package PolicyTest;
# Helpers for the .t files: requests as a given user, raw responses, and
# reading what the server logged.
use strict;
use warnings;
use Apache::Test ();
use Apache::TestRequest ();
use Apache::TestUtil ();
use IO::Socket::INET ();
use MIME::Base64 ();
use Time::HiRes qw(sleep time);
use PolicyTest::Setup ();
use Exporter 'import';

our @EXPORT = qw(req raw_request raw_body_and_headers error_log_since
                 error_log_size access_log_line wait_for t_path
                 write_file var_path from settles listen_port
                 stop_server scaled);

our $T = $PolicyTest::Setup::T;

sub t_path   { "$T/$_[0]" }
sub var_path { "$PolicyTest::Setup::VAR/$_[0]" }
sub write_file { PolicyTest::Setup::write_file(@_) }

# req(METHOD, URL, user => NAME, password => PW, vhost => NAME, headers...)
# Credentials go with the first request (no 401 round trip first); a user
# without a password gets the suite's password; vhost: a <VirtualHost> of
# t/conf/extra.conf.in.
sub req {
    my ($method, $url, %o) = @_;
    my $vhost = delete $o{vhost};
    local $Apache::TestRequest::Module = $vhost if $vhost;
    my @auth;
    if (defined(my $user = delete $o{user})) {
        my $pw = delete $o{password};
        $pw = $PolicyTest::Setup::PASSWORD unless defined $pw;
        @auth = (Authorization =>
                 'Basic ' . MIME::Base64::encode_base64("$user:$pw", ''));
    }
    no strict 'refs';
    return &{"Apache::TestRequest::$method"}($url, @auth, %o);
}

# The exact bytes the server answers to a request we write ourselves.
sub raw_request {
    my ($text) = @_;
    my $config = Apache::Test::config();
    my $hostport = Apache::TestRequest::hostport($config);
    my $sock = IO::Socket::INET->new(PeerAddr => $hostport, Timeout => 10)
        or die "connect $hostport: $!";
    $text =~ s/\r?\n/\r\n/g;
    print $sock $text;
    local $/;
    my $resp = <$sock>;
    close $sock;
    return $resp;
}

# The port of a Listen line of t/conf/extra.conf ('::1', '::ffff:127.0.0.1').
sub listen_port {
    my ($addr) = @_;
    open my $fh, '<', t_path('conf/extra.conf') or die $!;
    my ($port) = map { /^Listen \[\Q$addr\E\]:(\d+)/ ? $1 : () } <$fh>;
    $port or die "no Listen [$addr] in extra.conf\n";
    return $port;
}

# from(SOURCE, PATH, vhost => NAME, headers...): a GET sent from a chosen
# source address (127.0.0.x; ::1 for the IPv6 listener; ::ffff:127.0.0.x
# for the listener that sees IPv4 clients as IPv4-mapped IPv6 addresses),
# to the main server or a virtual host of t/conf/extra.conf.in.  A header whose value
# is an array reference is sent once per value.  An HTTP::Response.
sub from {
    my ($source, $path, %o) = @_;
    my $vhost = delete $o{vhost};
    my ($port, $peer);
    if ($source =~ /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i) {
        ($source, $peer) = ($1, '127.0.0.1');
        $port = listen_port('::ffff:127.0.0.1');
    }
    elsif ($source =~ /:/) {
        $peer = '::1';
        $port = listen_port('::1');
    }
    else {
        local $Apache::TestRequest::Module = $vhost || 'default';
        (undef, $port) = split /:/, Apache::TestRequest::hostport();
    }
    require IO::Socket::IP;
    my $sock = IO::Socket::IP->new(
        PeerHost => $peer || '127.0.0.1', PeerPort => $port,
        LocalHost => $source, Timeout => 10) or die "connect from $source: $@";
    my $head = join '', map { my $h = $_;
        map { "$h: $_\r\n" } ref $o{$h} ? @{ $o{$h} } : $o{$h} } sort keys %o;
    print $sock "GET $path HTTP/1.0\r\nHost: localhost\r\n$head\r\n";
    local $/;
    my $text = <$sock>;
    require HTTP::Response;
    return HTTP::Response->parse($text);
}

sub error_log_size { -s t_path('logs/error_log') || 0 }

# What the error log gained since offset.
sub error_log_since {
    my ($offset) = @_;
    open my $fh, '<', t_path('logs/error_log') or return '';
    seek $fh, $offset, 0;
    local $/;
    my $s = <$fh>;
    return defined $s ? $s : '';
}

# A time a test waits, stretched by POLICY_TEST_TIME_SCALE (make
# test-valgrind sets it: the server runs there many times slower).
sub scaled { $_[0] * ($ENV{POLICY_TEST_TIME_SCALE} || 1) }

# Polls cond for up to secs seconds (scaled); returns its last value.
sub wait_for {
    my ($secs, $cond) = @_;
    my $end = time + scaled($secs);
    my $v;
    while (1) {
        $v = $cond->();
        return $v if $v || time > $end;
        sleep 0.2;
    }
}

# Stops a server a test started itself (apache2 -k start), by the pid
# in its pid file, and waits, bounded, until it is gone.
sub stop_server {
    my ($pid_file) = @_;
    open my $fh, '<', $pid_file or return;
    my $pid = <$fh>;
    return unless defined $pid && $pid =~ /^(\d+)/;
    $pid = $1;
    kill 'TERM', $pid;
    wait_for(20, sub { !kill 0, $pid });
}

# Data files are looked at when requests need them, and each server
# process answers for itself: asks $ask->() until it has answered $want
# several times in a row (or $secs pass).
sub settles {
    my ($ask, $want, $secs) = @_;
    my $streak = 0;
    return wait_for($secs || 8, sub {
        $streak = $ask->() == $want ? $streak + 1 : 0;
        $streak >= 5 });
}

# The policy_log line (or that of another CustomLog of t/logs) for a
# unique request tag (query string).
sub access_log_line {
    my ($tag, $log) = @_;
    $log ||= 'policy_log';
    return wait_for(5, sub {
        open my $fh, '<', t_path("logs/$log") or return undef;
        # "%U?%q %>s ...": the tag ends where the status begins
        my ($line) = grep { index($_, "$tag ") >= 0 } <$fh>;
        chomp $line if defined $line;
        $line;
    });
}

1;
