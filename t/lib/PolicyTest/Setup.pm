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

sub prepare_var {
    make_path($VAR);
    # {SHA} entries: password hashing would drown the figures in bench/.
    my $sha = sha1_base64($PASSWORD) . '=';
    write_file("$VAR/htpasswd", join '', map { "$_:{SHA}$sha\n" } @USERS);
    write_file("$VAR/reload-users.txt", "ruth role=admin\n");
    chmod 0755, $VAR;
}

1;
