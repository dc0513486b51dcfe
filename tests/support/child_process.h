#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

// Child processes for tests that run the real binaries (enterprise-catalog,
// catalogctl, python3, bash scripts).
//
// Programs are named by path (argv[0]); there is no PATH search. Each child
// starts in a process group of its own and is killed (SIGKILL) when the
// thread that started it ends, so that a crashed or interrupted test run
// leaves no server behind: start children from the test's main thread. Its
// environment is the test's own with the given "NAME=value" entries in
// front; they win over inherited variables of the same name, which are left
// out.
//
// Exit codes follow the shell's convention: the child's exit status, or
// 128 + the signal that killed it, and 127 if the program could not be
// executed at all.
namespace ec::testing {

// The whole content of a file, read as bytes; "" if it cannot be read.
std::string ReadFile(const std::string& path);

// A loopback TCP port that was free a moment ago, for a server that has to
// be told its port in advance; 0 if none could be found.
int FreePort();

// The port in enterprise-catalog's "serving" log line (app/main.cc), as
// the first capture of the pattern, for ChildProcess::WaitForLogMatch.
inline constexpr char kServingPortPattern[] =
    R"("msg":"serving".*"port":(\d+))";

// CommandResult::exit_code of a command that did not finish in time (it and
// its process group were killed).
inline constexpr int kTimedOut = -2;

struct CommandResult {
  // The exit code (see the top of this file), kTimedOut, or -1 if no process
  // could be started (`err` says why).
  int exit_code = -1;
  std::string out;  // everything the command wrote to stdout
  std::string err;  // ... and to stderr
};

// Runs `argv` to completion with `extra_env` in front of the inherited
// environment. After `timeout` the command's process group is killed and the
// result is kTimedOut, with the output written until then.
CommandResult RunCommand(
    const std::vector<std::string>& argv,
    const std::vector<std::string>& extra_env = {},
    std::chrono::milliseconds timeout = std::chrono::seconds(60));

// Where a ChildProcess's stdout and stderr go.
enum class ChildOutput {
  kInherit,  // to the test's own
  // To a fresh log file, for log() and WaitForLogMatch(). It is removed with
  // the ChildProcess unless KEEPLOG is set in the test's environment.
  kLogFile,
};

// A process running alongside the test. If it is still running when the
// object is destroyed (the test ended, or failed, first), its whole process
// group is killed with SIGKILL and reaped.
class ChildProcess {
 public:
  // Starts `argv` with `extra_env` in front of the inherited environment.
  // Inherited variables whose names start with one of `unset_env_prefixes`
  // are left out as well (e.g. "ENTERPRISE_CATALOG_": a developer's shell
  // settings cannot reach the child).
  ChildProcess(const std::vector<std::string>& argv,
               const std::vector<std::string>& extra_env = {},
               ChildOutput output = ChildOutput::kInherit,
               const std::vector<std::string>& unset_env_prefixes = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // The child's pid (also its process group id), or -1 if it could not be
  // started (the reason is printed to stderr).
  pid_t pid() const { return pid_; }

  // Sends `signal` to the child itself (not its group). Does nothing once
  // the child has been reaped.
  void Signal(int signal);

  // Waits for the child to exit and returns its exit code (see the top of
  // this file); -1 if it never started. Can be called again: it returns the
  // same code.
  int Wait();

  // Everything the child has written so far ("" without a log file).
  std::string log() const;

  // Polls log() until `pattern` (an ECMAScript regular expression; `.` does
  // not match a line break) matches, and returns the match's first capture (the
  // whole match if the pattern has no group). Returns "" if `timeout` passes
  // first or the child exits without writing such a line; the exit is reaped,
  // and Wait() returns its code.
  std::string WaitForLogMatch(const std::string& pattern,
                              std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
  std::optional<int> exit_code_;  // set once the child has been reaped
  std::string log_path_;          // "" without a log file
};

}  // namespace ec::testing
