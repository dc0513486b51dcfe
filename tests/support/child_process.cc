#include "tests/support/child_process.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

extern char** environ;

namespace ec::testing {
namespace {

using Clock = std::chrono::steady_clock;

// How often the waits below look at the child.
constexpr std::chrono::milliseconds kPollInterval(20);

// The name part of a "NAME=value" entry.
std::string EnvName(const std::string& entry) {
  return entry.substr(0, entry.find('='));
}

// `extra`, then the inherited entries whose names `extra` does not set and
// no prefix in `unset_prefixes` matches.
std::vector<std::string> ChildEnvironment(
    const std::vector<std::string>& extra,
    const std::vector<std::string>& unset_prefixes) {
  std::set<std::string> set_by_extra;
  for (const std::string& entry : extra) set_by_extra.insert(EnvName(entry));
  std::vector<std::string> env(extra);
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string name = EnvName(*e);
    const bool unset = std::any_of(unset_prefixes.begin(), unset_prefixes.end(),
                                   [&name](const std::string& prefix) {
                                     return name.starts_with(prefix);
                                   });
    if (!unset && set_by_extra.count(name) == 0) env.emplace_back(*e);
  }
  return env;
}

// An empty file of ours in /tmp; "" if none could be made.
std::string TempFile(const std::string& kind) {
  std::string path = "/tmp/ec-test-" + kind + "-XXXXXX";
  const int fd = mkstemp(path.data());
  if (fd < 0) return "";
  close(fd);
  return path;
}

// Reaps child `pid` and returns its exit code (-1 if waitpid fails); with
// `block` false, returns nothing at once if it is still running.
std::optional<int> Reap(pid_t pid, bool block) {
  int status = 0;
  pid_t reaped;
  do {
    reaped = waitpid(pid, &status, block ? 0 : WNOHANG);
  } while (reaped < 0 && errno == EINTR);
  if (reaped == 0) return std::nullopt;
  if (reaped != pid) return -1;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// In the child, after fork(): only async-signal-safe calls from here on (the
// test process has other threads, whose locks may be held). Points stdout at
// `out_path` and stderr at `err_path` (the test's own where empty) and execs.
// A failure's errno goes to `report_fd`.
[[noreturn]] void ExecChild(char* const* argv, char* const* envp, pid_t parent,
                            const char* out_path, const char* err_path,
                            bool same_file, int report_fd) {
  setpgid(0, 0);
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(127);  // the parent died before prctl
  auto redirect = [](const char* path, int target) {
    if (*path == '\0') return true;
    const int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || dup2(fd, target) < 0) return false;
    if (fd != target) close(fd);
    return true;
  };
  bool ok = redirect(out_path, STDOUT_FILENO);
  if (ok && same_file) {
    ok = dup2(STDOUT_FILENO, STDERR_FILENO) >= 0;
  } else if (ok) {
    ok = redirect(err_path, STDERR_FILENO);
  }
  if (ok) execve(argv[0], argv, envp);
  const int error = errno;
  [[maybe_unused]] const ssize_t written =
      write(report_fd, &error, sizeof(error));
  _exit(127);
}

// Starts `argv` in a process group of its own (see ExecChild). Returns the
// pid, or -1 with the reason in `*error`.
pid_t Spawn(const std::vector<std::string>& argv,
            const std::vector<std::string>& env, const std::string& out_path,
            const std::string& err_path, std::string* error) {
  if (argv.empty()) {
    *error = "no program given";
    return -1;
  }
  // Everything the child uses is built before fork(): it may not allocate.
  std::vector<char*> args;
  for (const std::string& arg : argv) {
    args.push_back(const_cast<char*>(arg.c_str()));
  }
  args.push_back(nullptr);
  std::vector<char*> envp;
  for (const std::string& entry : env) {
    envp.push_back(const_cast<char*>(entry.c_str()));
  }
  envp.push_back(nullptr);
  const bool same_file = !out_path.empty() && out_path == err_path;
  // A failure before or in execve is reported through this pipe; a
  // successful exec closes the child's end (O_CLOEXEC) with nothing written.
  int report[2];
  if (pipe2(report, O_CLOEXEC) != 0) {
    *error = std::string("pipe2: ") + std::strerror(errno);
    return -1;
  }
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) {
    close(report[0]);
    ExecChild(args.data(), envp.data(), parent, out_path.c_str(),
              err_path.c_str(), same_file, report[1]);
  }
  close(report[1]);
  if (pid < 0) {
    *error = std::string("fork: ") + std::strerror(errno);
    close(report[0]);
    return -1;
  }
  // The child does this too; doing it here as well means no signal to the
  // group can come before the group exists.
  setpgid(pid, pid);
  int child_errno = 0;
  ssize_t n;
  do {
    n = read(report[0], &child_errno, sizeof(child_errno));
  } while (n < 0 && errno == EINTR);
  close(report[0]);
  if (n == static_cast<ssize_t>(sizeof(child_errno))) {
    Reap(pid, /*block=*/true);
    *error = "cannot run " + argv[0] + ": " + std::strerror(child_errno);
    return -1;
  }
  return pid;
}

}  // namespace

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;  // the kernel picks one
  socklen_t len = sizeof(addr);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

CommandResult RunCommand(const std::vector<std::string>& argv,
                         const std::vector<std::string>& extra_env,
                         std::chrono::milliseconds timeout) {
  CommandResult result;
  const std::string out_path = TempFile("out");
  const std::string err_path = TempFile("err");
  std::string error;
  if (out_path.empty() || err_path.empty()) {
    result.err = "mkstemp failed";
  } else if (const pid_t pid = Spawn(argv, ChildEnvironment(extra_env, {}),
                                     out_path, err_path, &error);
             pid < 0) {
    result.err = error;
  } else {
    const auto deadline = Clock::now() + timeout;
    std::optional<int> exit_code;
    while (!(exit_code = Reap(pid, /*block=*/false)) &&
           Clock::now() < deadline) {
      std::this_thread::sleep_for(kPollInterval);
    }
    if (!exit_code.has_value()) {
      kill(-pid, SIGKILL);
      Reap(pid, /*block=*/true);
    }
    result.exit_code = exit_code.value_or(kTimedOut);
    result.out = ReadFile(out_path);
    result.err = ReadFile(err_path);
  }
  if (!out_path.empty()) unlink(out_path.c_str());
  if (!err_path.empty()) unlink(err_path.c_str());
  return result;
}

ChildProcess::ChildProcess(const std::vector<std::string>& argv,
                           const std::vector<std::string>& extra_env,
                           ChildOutput output,
                           const std::vector<std::string>& unset_env_prefixes) {
  std::string error;
  if (output == ChildOutput::kLogFile) log_path_ = TempFile("log");
  if (output == ChildOutput::kLogFile && log_path_.empty()) {
    error = "mkstemp failed";
  } else {
    pid_ = Spawn(argv, ChildEnvironment(extra_env, unset_env_prefixes),
                 log_path_, log_path_, &error);
  }
  if (pid_ < 0) std::cerr << "ChildProcess: " << error << "\n";
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && !exit_code_.has_value()) {
    kill(-pid_, SIGKILL);
    Wait();
  }
  if (!log_path_.empty() && std::getenv("KEEPLOG") == nullptr) {
    unlink(log_path_.c_str());
  }
}

void ChildProcess::Signal(int signal) {
  if (pid_ > 0 && !exit_code_.has_value()) kill(pid_, signal);
}

int ChildProcess::Wait() {
  if (pid_ <= 0) return -1;
  if (!exit_code_.has_value()) exit_code_ = Reap(pid_, /*block=*/true);
  return *exit_code_;
}

std::string ChildProcess::log() const {
  return log_path_.empty() ? "" : ReadFile(log_path_);
}

std::string ChildProcess::WaitForLogMatch(const std::string& pattern,
                                          std::chrono::milliseconds timeout) {
  const std::regex re(pattern);
  const auto deadline = Clock::now() + timeout;
  while (true) {
    // Whether it has exited is asked before the log is read, so that a line
    // written just before the exit is still seen.
    if (pid_ > 0 && !exit_code_.has_value()) {
      exit_code_ = Reap(pid_, /*block=*/false);
    }
    const bool exited = pid_ <= 0 || exit_code_.has_value();
    const std::string text = log();
    std::smatch match;
    if (std::regex_search(text, match, re)) {
      return match[match.size() > 1 ? 1 : 0].str();
    }
    if (exited || Clock::now() >= deadline) return "";
    std::this_thread::sleep_for(kPollInterval);
  }
}

}  // namespace ec::testing
