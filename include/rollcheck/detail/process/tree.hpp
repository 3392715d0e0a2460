/// \file detail/process/tree.hpp
/// Tracks everything a started command leaves below it, so that a deadline
/// or the command's own exit can take the whole tree down: its process group,
/// its descendants (even those that left the group with setsid), and the
/// orphans the kernel hands back to this process as child subreaper, as far
/// as they can be told apart from those of commands other threads run.
#pragma once

#include <algorithm>
#include <chrono>
#include <csignal>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc.hpp"

namespace rollcheck::detail {

/// Makes this process the child subreaper, once: orphans of a command's
/// tree are re-parented here instead of to init, so they stay in reach.
inline void become_child_subreaper() {
    static std::once_flag once;
    std::call_once(once, [] { ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); });
}

/// The programs run_command started and has not reaped yet. A child of this
/// process that is not among them is an orphan adopted as subreaper.
class direct_children {
public:
    static void add(pid_t pid) {
        std::lock_guard lock(mutex());
        set().insert(pid);
    }
    static void remove(pid_t pid) {
        std::lock_guard lock(mutex());
        set().erase(pid);
    }
    static bool contains(pid_t pid) {
        std::lock_guard lock(mutex());
        return set().count(pid) != 0;
    }
    /// Whether `pid` is the one program started and not yet reaped.
    static bool only(pid_t pid) {
        std::lock_guard lock(mutex());
        return set().size() == 1 && set().count(pid) != 0;
    }

    /// Held from a program's start until it is added, and while a tree looks
    /// for orphans: otherwise a program another thread has just started, not
    /// yet added, would pass for an orphan and be taken down with the tree.
    [[nodiscard]] static std::unique_lock<std::mutex> registration() {
        static std::mutex m;
        return std::unique_lock<std::mutex>(m);
    }

private:
    static std::mutex& mutex() {
        static std::mutex m;
        return m;
    }
    static std::set<pid_t>& set() {
        static std::set<pid_t> s;
        return s;
    }
};

/// The processes started, directly or not, by one command.
class process_tree {
public:
    explicit process_tree(pid_t root) : root_(root) {
        if (auto s = read_proc_stat(root)) known_.insert({root, s->start_ticks});
    }

    /// Adds every process now attributed to the command (see belongs).
    void refresh() {
        const auto registering = direct_children::registration();
        const bool alone = direct_children::only(root_);
        const auto all = list_processes();
        std::map<pid_t, unsigned long long> start_of;
        for (const auto& p : all)
            start_of.emplace(p.pid, p.start_ticks);
        bool grew = true;
        while (grew) {
            grew = false;
            for (const auto& p : all) {
                if (contains(p) || !belongs(p, start_of, alone)) continue;
                known_.insert({p.pid, p.start_ticks});
                grew = true;
            }
        }
    }

    /// Sends `sig` to the process group and to each member still alive and
    /// still the same process (a reused pid is left alone).
    void signal_all(int sig) {
        ::kill(-root_, sig);
        for (const auto& [pid, ticks] : known_)
            if (same_process(pid, ticks)) ::kill(pid, sig);
    }

    /// True while any member is alive (zombies count as gone).
    [[nodiscard]] bool any_alive() const {
        return std::any_of(known_.begin(), known_.end(), [](const auto& member) {
            const auto s = read_proc_stat(member.first);
            return s && s->start_ticks == member.second && s->state != 'Z';
        });
    }

    /// Reaps the members that became this process's children (orphans
    /// adopted as subreaper), without waiting for those still alive.
    void reap_adopted() const {
        for (const auto& [pid, ticks] : known_)
            if (pid != root_) ::waitpid(pid, nullptr, WNOHANG);
    }

    /// TERM to all, then KILL after `grace`, then reap; returns when none is
    /// alive or `grace` has passed twice.
    void terminate(std::chrono::milliseconds grace) {
        refresh();
        signal_all(SIGTERM);
        if (!wait_until_gone(grace)) {
            refresh();
            signal_all(SIGKILL);
            wait_until_gone(grace);
        }
        reap_adopted();
    }

private:
    using member = std::pair<pid_t, unsigned long long>;

    bool contains(const proc_stat& p) const { return known_.count({p.pid, p.start_ticks}) != 0; }

    /// A process is the command's when it is in the command's process group,
    /// when its parent is a member, or when a member leads its group or its
    /// session (a member that left with setsid, and what it started). Other
    /// threads' commands are told apart by exactly that. An orphan handed to
    /// this process that none of it ties to a command (one that left with
    /// setsid and lost its parent before it was seen) could be any running
    /// command's: it is taken only by a command running alone.
    bool belongs(const proc_stat& p, const std::map<pid_t, unsigned long long>& start_of,
                 bool alone) const {
        if (p.pgrp == root_) return true;
        if (is_member(p.ppid, start_of) || is_member(p.pgrp, start_of) ||
            is_member(p.session, start_of))
            return true;
        return alone && p.ppid == ::getpid() && p.pid != root_;
    }

    /// Whether `pid` names a member. A live process under that pid must be the
    /// member itself (pids are reused); a dead member's pid still names the
    /// group or session it led, as the kernel frees no pid while one is in use.
    bool is_member(pid_t pid, const std::map<pid_t, unsigned long long>& start_of) const {
        const auto live = start_of.find(pid);
        for (auto m = known_.lower_bound({pid, 0}); m != known_.end() && m->first == pid; ++m)
            if (live == start_of.end() || live->second == m->second) return true;
        return false;
    }
    static bool same_process(pid_t pid, unsigned long long ticks) {
        const auto s = read_proc_stat(pid);
        return s && s->start_ticks == ticks;
    }
    bool wait_until_gone(std::chrono::milliseconds limit) const {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        while (std::chrono::steady_clock::now() < deadline) {
            reap_adopted();
            if (!any_alive()) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        return false;
    }

    pid_t root_;
    std::set<member> known_;
};

} // namespace rollcheck::detail
