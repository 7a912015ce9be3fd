# shellcheck shell=bash
# The machine-wide lock of the e2e runs (e2e/run.sh, e2e/rhoso-run.sh; .ci/run waits on it): the
# runs share /tmp/dcnc-e2e and the ports, so one at a time. The lock is a symlink to the holder's
# pid; a holder counts while that pid lives and its command line names run.sh (rhoso-run.sh does
# too), so the lock of a killed run is stale and taken over. Sourced; defines the functions only.

E2E_LOCK=/tmp/dcnc-e2e.lock

# Prints the pid of the live run holding the lock; fails when none does.
e2e_lock_holder() {
    local holder
    holder="$(readlink "$E2E_LOCK" 2>/dev/null)" && [[ $holder =~ ^[0-9]+$ ]] &&
        grep -qa 'run\.sh' "/proc/$holder/cmdline" 2>/dev/null && echo "$holder"
}

# Takes the lock for this shell ($$), taking over a stale one. Fails, saying why on stderr, when a
# live run holds it.
e2e_take_lock() {
    local holder
    ln -s "$$" "$E2E_LOCK" 2>/dev/null && return 0
    if holder="$(e2e_lock_holder)"; then
        echo "another e2e run (pid $holder) holds $E2E_LOCK: runs share /tmp/dcnc-e2e and the ports, one at a time" >&2
        return 1
    fi
    rm -f "$E2E_LOCK"
    ln -s "$$" "$E2E_LOCK" 2>/dev/null || { echo "cannot take $E2E_LOCK" >&2; return 1; }
}

# Gives the lock back if this shell holds it.
e2e_release_lock() {
    [[ $(readlink "$E2E_LOCK" 2>/dev/null) != "$$" ]] || rm -f "$E2E_LOCK"
}

# Waits while a live run holds the lock.
e2e_wait_lock() {
    local holder
    while holder="$(e2e_lock_holder)"; do
        echo "waiting for the e2e run of pid $holder (it holds $E2E_LOCK)"
        sleep 30
    done
}
