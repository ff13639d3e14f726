#!/usr/bin/env bash
# Record the calibration corpus: real, unmodified mail programs talking over
# loopback, captured by sockscope. See calibration/README.md for the cases,
# the server configuration and how the captures are judged.
#
#   sudo bash calibration/record.sh            # every case
#   sudo bash calibration/record.sh CASE...    # only these (names as in the list)
#
# Environment: SOCKSCOPE (default target/release/sockscope), OUT (default
# captures/calibration), SETTLE (seconds between the client's exit and the
# end of the capture; default 1), SKIP_INSTALL=1 to use what is installed.
#
# Needs root (it installs packages, writes /etc/postfix and /etc/dovecot,
# binds ports 25, 110, 587, 2525 and 8025 on 127.0.0.1 and ::1, and captures
# on lo). Re-runnable: the configuration is rewritten and the mailboxes
# re-seeded every run, and every server it started is stopped on exit.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
SOCKSCOPE=${SOCKSCOPE:-$REPO/target/release/sockscope}
OUT=${OUT:-$REPO/captures/calibration}
SETTLE=${SETTLE:-1}
STATE=/var/lib/calib          # mailboxes, fetchmail's home
LOGDIR=/var/log/calib         # server logs and every case's client/live output
MSG=$HERE/messages
DOVECOT_CONF=/etc/dovecot/calib.conf
PY=${PYTHON:-python3}
DOMAIN=calib.test
MX=mx.calib.test

APT_PACKAGES=(postfix dovecot-core dovecot-pop3d swaks msmtp curl fetchmail
    libio-socket-ssl-perl libnet-ssleay-perl ssl-cert util-linux procps iproute2)
AIOSMTPD_VERSION=1.4.6

log() { printf 'record: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# --- install -----------------------------------------------------------------

install_packages() {
    [ "${SKIP_INSTALL:-0}" = 1 ] && return 0
    local missing=() p
    for p in "${APT_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
            missing+=("$p")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        log "installing ${missing[*]}"
        # Postfix asks how it is used; "Local only" keeps it off the network.
        debconf-set-selections <<EOF
postfix postfix/main_mailer_type select Local only
postfix postfix/mailname string $MX
EOF
        apt-get update -qq
        # The packages' own init scripts must not start the daemons: this
        # script starts them with its own configuration below.
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
    fi
    "$PY" -c 'import aiosmtpd' 2>/dev/null ||
        "$PY" -m pip install -q "aiosmtpd==$AIOSMTPD_VERSION"
}

versions() {
    printf 'postfix %s\n' "$(postconf -h mail_version)"
    printf 'dovecot %s\n' "$(dovecot --version)"
    printf 'swaks %s\n' "$(swaks --version | sed -n 's/^swaks version //p')"
    printf 'msmtp %s\n' "$(msmtp --version | sed -n '1s/^msmtp version //p')"
    printf 'curl %s\n' "$(curl --version | sed -n '1s/^curl \([^ ]*\).*/\1/p')"
    printf 'fetchmail %s\n' "$(fetchmail --version 2>/dev/null | sed -n '1s/^This is fetchmail release \([^ ,+]*\).*/\1/p')"
    printf 'python %s\n' "$("$PY" -c 'import platform; print(platform.python_version())')"
    printf 'aiosmtpd %s\n' "$("$PY" -c 'import aiosmtpd; print(aiosmtpd.__version__)')"
    printf 'openssl %s\n' "$(openssl version | cut -d' ' -f2)"
    printf 'kernel %s\n' "$(uname -r)"
    printf 'sockscope %s\n' "$("$SOCKSCOPE" --version | cut -d' ' -f2)"
}

# --- configure ---------------------------------------------------------------

USERS=(alice bob carol tester pia fred)

make_users() {
    id -u calibmail >/dev/null 2>&1 ||
        useradd --system --home-dir "$STATE/mail" --shell /usr/sbin/nologin calibmail
    UID_=$(id -u calibmail) GID_=$(id -g calibmail)
    mkdir -p "$STATE/mail" "$LOGDIR"
    rm -rf "${STATE:?}/mail/"* "$STATE/fetchmail"
    local u
    : >/etc/postfix/calib-mailboxes
    : >/etc/dovecot/calib-users
    for u in "${USERS[@]}"; do
        mkdir -p "$STATE/mail/$u/Maildir/"{cur,new,tmp}
        echo "$u@$DOMAIN $u/Maildir/" >>/etc/postfix/calib-mailboxes
        echo "$u:{PLAIN}$u-secret:$UID_:$GID_::$STATE/mail/$u" >>/etc/dovecot/calib-users
    done
    chown -R calibmail:calibmail "$STATE/mail"
    chmod 0640 /etc/dovecot/calib-users
    chgrp dovecot /etc/dovecot/calib-users
}

configure_postfix() {
    # $myhostname and $mail_name are Postfix's own variables, not the shell's.
    # shellcheck disable=SC2016
    postconf -e \
        "compatibility_level = 3.6" \
        "myhostname = $MX" \
        "mydomain = $DOMAIN" \
        'myorigin = $myhostname' \
        'mydestination = $myhostname, localhost' \
        "inet_interfaces = loopback-only" \
        "inet_protocols = all" \
        "mynetworks = 127.0.0.0/8 [::1]/128" \
        'smtpd_banner = $myhostname ESMTP $mail_name' \
        "virtual_mailbox_domains = $DOMAIN" \
        "virtual_mailbox_base = $STATE/mail" \
        "virtual_mailbox_maps = texthash:/etc/postfix/calib-mailboxes" \
        "virtual_uid_maps = static:$UID_" \
        "virtual_gid_maps = static:$GID_" \
        "default_transport = error:outbound mail is disabled on this host" \
        "relay_transport = error:outbound mail is disabled on this host" \
        "smtpd_relay_restrictions = permit_mynetworks permit_sasl_authenticated reject_unauth_destination" \
        "smtpd_tls_security_level = may" \
        "smtpd_tls_cert_file = /etc/ssl/certs/ssl-cert-snakeoil.pem" \
        "smtpd_tls_key_file = /etc/ssl/private/ssl-cert-snakeoil.key" \
        "smtpd_sasl_type = dovecot" \
        "smtpd_sasl_path = private/auth" \
        "maillog_file = $LOGDIR/postfix.log"
    # Without a chroot the daemons need no copies of /etc files in the spool.
    postconf -F '*/*/chroot = n'
    # 587: submission with SASL through Dovecot; AUTH offered before TLS too
    # (smtpd_tls_auth_only = no, the default) so a client can misuse it.
    postconf -M "submission/inet=submission inet n - n - - smtpd"
    postconf -P "submission/inet/syslog_name=postfix/submission" \
        "submission/inet/smtpd_sasl_auth_enable=yes"
    # 2525: postscreen with its pregreet test enforced for every client
    # (loopback is in mynetworks, which postscreen would otherwise trust).
    postconf -M "2525/inet=2525 inet n - n - 1 postscreen" \
        "smtpd/pass=smtpd pass - - n - - smtpd" \
        "tlsproxy/unix=tlsproxy unix - - n - 0 tlsproxy" \
        "dnsblog/unix=dnsblog unix - - n - 0 dnsblog"
    postconf -P "2525/inet/syslog_name=postfix/postscreen" \
        "2525/inet/postscreen_access_list=" \
        "2525/inet/postscreen_greet_action=enforce" \
        "2525/inet/postscreen_greet_wait=2s" \
        "2525/inet/postscreen_dnsbl_sites="
    # A pregreet verdict would otherwise be remembered between runs.
    rm -f /var/lib/postfix/postscreen_cache.db
    [ -f /etc/aliases ] || echo "postmaster: root" >/etc/aliases
    newaliases
    postfix check
}

configure_dovecot() {
    cat >"$DOVECOT_CONF" <<EOF
# Written by calibration/record.sh: POP3 on 127.0.0.1:110 and [::1]:110,
# users from /etc/dovecot/calib-users, and the SASL socket Postfix uses.
protocols = pop3
listen = 127.0.0.1, ::1
base_dir = /run/dovecot-calib/
instance_name = dovecot-calib
log_path = $LOGDIR/dovecot.log
login_greeting = Dovecot ready.
ssl = yes
ssl_cert = </etc/ssl/certs/ssl-cert-snakeoil.pem
ssl_key = </etc/ssl/private/ssl-cert-snakeoil.key
disable_plaintext_auth = no
auth_mechanisms = plain login apop
mail_location = maildir:~/Maildir
first_valid_uid = $UID_
last_valid_uid = $UID_
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%n /etc/dovecot/calib-users
}
userdb {
  driver = passwd-file
  args = username_format=%n /etc/dovecot/calib-users
}
service pop3-login {
  inet_listener pop3 {
    port = 110
  }
  inet_listener pop3s {
    port = 0
  }
}
service auth {
  unix_listener /var/spool/postfix/private/auth {
    mode = 0660
    user = postfix
    group = postfix
  }
}
protocol pop3 {
  pop3_uidl_format = %08Xu%08Xv
}
EOF
}

# Two messages waiting in USER's mailbox, under fixed names and dates.
seed_mailbox() {
    local u=$1 dir="$STATE/mail/$1/Maildir" n
    rm -rf "$dir"
    mkdir -p "$dir/"{cur,new,tmp}
    for n in 1 2; do
        cp "$MSG/pop-$n.eml" "$dir/new/179512560$n.M${n}P1.$MX"
        touch -d "2026-11-23 09:0$n:00 UTC" "$dir/new/179512560$n.M${n}P1.$MX"
    done
    chown -R calibmail:calibmail "$STATE/mail/$u"
}

# --- servers -----------------------------------------------------------------

AIOSMTPD_PID=
STARTED_POSTFIX=
STARTED_DOVECOT=
CAPTURE_PID=

# stop_capture PID: SIGINT makes sockscope close its pcapng cleanly; give it
# 10 s, then SIGTERM (also handled), then SIGKILL.
stop_capture() {
    local pid=$1 sig
    for sig in INT TERM KILL; do
        kill -s "$sig" "$pid" 2>/dev/null || break
        for _ in $(seq 1 100); do
            kill -0 "$pid" 2>/dev/null || break 2
            sleep 0.1
        done
    done
    wait "$pid" 2>/dev/null || true
}

stop_servers() {
    set +e
    [ -n "$CAPTURE_PID" ] && stop_capture "$CAPTURE_PID"
    [ -n "$AIOSMTPD_PID" ] && kill "$AIOSMTPD_PID" 2>/dev/null && wait "$AIOSMTPD_PID"
    [ -n "$STARTED_DOVECOT" ] && doveadm -c "$DOVECOT_CONF" stop 2>/dev/null
    [ -n "$STARTED_POSTFIX" ] && postfix stop >/dev/null 2>&1
    AIOSMTPD_PID='' STARTED_DOVECOT='' STARTED_POSTFIX='' CAPTURE_PID=''
}

wait_port() { # PORT: until something listens on 127.0.0.1:PORT (10 s)
    for _ in $(seq 1 100); do
        ss -Hltn "sport = :$1" | grep -q . && return 0
        sleep 0.1
    done
    die "nothing listens on port $1"
}

start_servers() {
    postfix stop >/dev/null 2>&1 || true
    doveadm -c "$DOVECOT_CONF" stop 2>/dev/null || true
    # The daemons must not inherit this script's output (a pipe would stay open).
    postfix start </dev/null >/dev/null 2>&1
    STARTED_POSTFIX=1
    # In its own UTS namespace, so that the APOP timestamp in its greeting
    # (<pid.n.time.random@hostname>) names the calibration host, not this one.
    unshare --uts sh -c "hostname $MX && dovecot -c '$DOVECOT_CONF'" </dev/null >/dev/null 2>&1
    STARTED_DOVECOT=1
    "$PY" "$HERE/aiosmtpd_server.py" 127.0.0.1 8025 </dev/null >"$LOGDIR/aiosmtpd.log" 2>&1 &
    AIOSMTPD_PID=$!
    local p
    for p in 25 110 587 2525 8025; do wait_port "$p"; done
}

# --- one case ----------------------------------------------------------------

# start_capture NAME OUT ARGS...: sockscope live on lo into OUT, waiting (15 s
# at most) for the line that says it captures. Now and then, on a loaded
# machine, sockscope-0.1.0 has printed nothing for minutes: then it is
# stopped (its kernel stack kept in the log) and the caller tries again.
start_capture() {
    local name=$1 out=$2
    shift 2
    "$SOCKSCOPE" live -i lo "$@" --write "$out" \
        </dev/null >"$LOGDIR/$name.live" 2>"$LOGDIR/$name.live.err" &
    CAPTURE_PID=$!
    for _ in $(seq 1 150); do
        grep -q 'capturing on' "$LOGDIR/$name.live.err" && return 0
        sleep 0.1
    done
    log "$name: sockscope printed nothing in 15 s; stack: $(tr '\n' ' ' <"/proc/$CAPTURE_PID/stack")"
    stop_capture "$CAPTURE_PID"
    CAPTURE_PID=
    return 1
}

# record NAME PORTS CMD...: capture lo for PORTS (comma-separated) while CMD
# runs, into $OUT/NAME.pcapng; the capture ends SETTLE s after CMD exits.
record() {
    local name=$1 ports=$2 p status=0
    shift 2
    if [ ${#ONLY[@]} -gt 0 ] && ! printf '%s\n' "${ONLY[@]}" | grep -qx "$name"; then
        return 0
    fi
    local out="$OUT/$name.pcapng" args=()
    for p in ${ports//,/ }; do args+=(--port "$p"); done
    rm -f "$out"
    start_capture "$name" "$out" "${args[@]}" ||
        start_capture "$name" "$out" "${args[@]}" ||
        die "$name: capture did not start: $(cat "$LOGDIR/$name.live.err")"
    # sockscope prints that line just before it installs its SIGINT handler
    # and starts reading: a moment for both.
    sleep 0.5
    # bash -c, so that timeout can run this script's functions (exported).
    timeout 60 bash -c '"$@"' client "$@" >"$LOGDIR/$name.client" 2>&1 || status=$?
    sleep "$SETTLE"
    stop_capture "$CAPTURE_PID"
    CAPTURE_PID=
    [ -s "$out" ] || die "$name: no capture written"
    log "$name: client exit $status, $(stat -c %s "$out") bytes," \
        "$(sed -n 's/^sockscope: \([0-9]*\) TCP frames.*/\1 frames/p' "$LOGDIR/$name.live.err")"
}

swaks_() { # swaks with the corpus's fixed names
    swaks --helo client.calib.test --from "tester@$DOMAIN" "$@"
}

fetchmail_() { # fetchmail in its own UTS namespace so its HELO is fixed
    local home="$STATE/fetchmail"
    mkdir -p "$home"
    cat >"$home/fetchmailrc" <<EOF
set no syslog
poll 127.0.0.1 service 110 protocol apop
    user "fred" password "fred-secret" is "alice@$DOMAIN" here
    sslproto '' smtphost 127.0.0.1/25 smtpname "alice@$DOMAIN"
    fetchall nokeep
EOF
    chmod 0600 "$home/fetchmailrc"
    unshare --uts sh -c "hostname client.$DOMAIN && FETCHMAILHOME='$home' \
        fetchmail -v -f '$home/fetchmailrc' -i '$home/fetchids' --nodetach"
}

cases() {
    export -f swaks_ fetchmail_
    export DOMAIN STATE
    local c=("$PY" "$HERE/clients.py")
    # Postfix on 25: ordinary sessions (STARTTLS offered, not used).
    record postfix--swaks 25 swaks_ --server 127.0.0.1 --to "alice@$DOMAIN" --data "@$MSG/plain.eml"
    record postfix--swaks--body 25 swaks_ --server 127.0.0.1 --to "alice@$DOMAIN" --data "@$MSG/body.eml"
    record postfix--swaks--rcpts 25 swaks_ --server 127.0.0.1 \
        --to "alice@$DOMAIN,bob@$DOMAIN,carol@$DOMAIN" --data "@$MSG/rcpts.eml"
    record postfix--swaks--pipelining 25 swaks_ --server 127.0.0.1 --pipeline \
        --to "alice@$DOMAIN,bob@$DOMAIN" --data "@$MSG/rcpts.eml"
    record postfix--swaks--ehlo-quit 25 swaks_ --server 127.0.0.1 --to "alice@$DOMAIN" --quit-after EHLO
    record postfix--swaks--ipv6 25 swaks_ --server ::1 --to "alice@$DOMAIN" --data "@$MSG/plain.eml"
    record postfix--swaks--rcpt-550 25 swaks_ --server 127.0.0.1 \
        --to "nobody@$DOMAIN" --data "@$MSG/plain.eml"
    record postfix--msmtp 25 sh -c "msmtp -C /dev/null --host=127.0.0.1 --port=25 \
        --domain=client.$DOMAIN --auth=off --tls=off --from=tester@$DOMAIN alice@$DOMAIN <'$MSG/plain.eml'"
    record postfix--smtplib--sendmail 25 "${c[@]}" smtplib-sendmail 127.0.0.1 25 "$MSG/plain.eml"
    record postfix--smtplib--send-message 25 "${c[@]}" smtplib-send-message 127.0.0.1 25 "$MSG/plain.eml"
    record postfix--smtplib--starttls-unused 25 "${c[@]}" smtplib-starttls-unused 127.0.0.1 25 "$MSG/plain.eml"
    # --crlf: curl uploads a file as it is, and the file has Unix line ends.
    record postfix--curl 25 curl -sS --crlf "smtp://127.0.0.1:25/client.$DOMAIN" \
        --mail-from "tester@$DOMAIN" --mail-rcpt "alice@$DOMAIN" --upload-file "$MSG/plain.eml"
    # Postfix with STARTTLS used: the rest of the session is TLS.
    record postfix--swaks--starttls 25 swaks_ --server 127.0.0.1 --tls \
        --to "alice@$DOMAIN" --data "@$MSG/plain.eml"
    # Submission on 587: AUTH PLAIN inside TLS.
    record postfix-submission--swaks--starttls-auth 587 swaks_ --server 127.0.0.1 --port 587 --tls \
        --auth PLAIN --auth-user tester --auth-password tester-secret \
        --to "alice@$DOMAIN" --data "@$MSG/plain.eml"
    # aiosmtpd on 8025 (no STARTTLS offered).
    record aiosmtpd--swaks 8025 swaks_ --server 127.0.0.1 --port 8025 \
        --to "alice@$DOMAIN" --data "@$MSG/plain.eml"
    record aiosmtpd--smtplib 8025 "${c[@]}" smtplib-sendmail 127.0.0.1 8025 "$MSG/plain.eml"
    # Dovecot POP3 on 110, a mailbox re-seeded with two messages each time.
    seed_mailbox pia
    record dovecot--poplib 110 "${c[@]}" poplib-user 127.0.0.1 110
    seed_mailbox pia
    record dovecot--poplib--stls 110 "${c[@]}" poplib-stls 127.0.0.1 110
    seed_mailbox pia
    record dovecot--poplib--apop 110 "${c[@]}" poplib-apop 127.0.0.1 110
    seed_mailbox pia
    record dovecot--curl 110 curl -sS "pop3://127.0.0.1:110/1" -u pia:pia-secret
    seed_mailbox fred
    record dovecot--fetchmail--postfix 110,25 fetchmail_
    # Abnormal: what is wrong is named in calibration/README.md.
    record postscreen--pregreet 2525 "${c[@]}" pregreet 127.0.0.1 2525
    record postfix-submission--swaks--auth-plain 587 swaks_ --server 127.0.0.1 --port 587 \
        --auth PLAIN --auth-user tester --auth-password tester-secret \
        --to "alice@$DOMAIN" --data "@$MSG/plain.eml"
    record postfix--smtplib--bare-lf 25 "${c[@]}" smtplib-bare-lf 127.0.0.1 25 "$MSG/plain.eml"
    record postfix--smtplib--no-quit 25 "${c[@]}" smtplib-no-quit 127.0.0.1 25 "$MSG/plain.eml"
    record postfix--swaks--drop-after-rcpt 25 swaks_ --server 127.0.0.1 \
        --to "alice@$DOMAIN" --drop-after RCPT
}

main() {
    [ "$(id -u)" = 0 ] || die "run as root (packages, ports below 1024, capture on lo)"
    ONLY=("$@")
    install_packages
    [ -x "$SOCKSCOPE" ] || die "no sockscope at $SOCKSCOPE (cargo build --release, or set SOCKSCOPE)"
    mkdir -p "$OUT" "$LOGDIR"
    trap stop_servers EXIT
    trap 'exit 130' INT TERM
    make_users
    configure_postfix
    configure_dovecot
    start_servers
    versions | tee "$HERE/versions.txt" >&2
    cases
    local n
    n=$(find "$OUT" -maxdepth 1 -name '*.pcapng' | wc -l)
    log "done: $n captures in $OUT; logs in $LOGDIR"
}

main "$@"
