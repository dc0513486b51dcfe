// The queue interface's plain types: the names a job's state and reason are
// stored and logged under (storage/pg reads them back; the log lines and
// the refresh_job CHECK constraints use the same words).
#include "storage/refresh_queue.h"

#include <set>
#include <string>

#include <gtest/gtest.h>

namespace ec::storage {
namespace {

TEST(RefreshQueueTypesTest, EveryStateAndReasonHasItsOwnName) {
  std::set<std::string> states;
  for (JobState state :
       {JobState::kQueued, JobState::kRunning, JobState::kSucceeded,
        JobState::kFailed, JobState::kHeld}) {
    states.insert(std::string(JobStateName(state)));
  }
  EXPECT_EQ(states, (std::set<std::string>{"queued", "running", "succeeded",
                                           "failed", "held"}));
  std::set<std::string> reasons;
  for (JobReason reason : {JobReason::kCreated, JobReason::kUpdated,
                           JobReason::kRequested, JobReason::kScheduled}) {
    reasons.insert(std::string(JobReasonName(reason)));
  }
  EXPECT_EQ(reasons, (std::set<std::string>{"created", "updated", "requested",
                                            "scheduled"}));
}

}  // namespace
}  // namespace ec::storage
