// SPDX-License-Identifier: MIT
//
// Access control in two layers, on a private system-like bus: the real policy
// file (etc/dbus-1/system.d/org.xerod.Xerod1.conf) lets root call everything
// and others only read; behind a permissive test policy, the daemon's own
// check still refuses non-admins. Needs root (to own the name and to run
// clients as nobody with setpriv); skipped otherwise.
#include "dbus/access.h"

#include <grp.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include "dbus/bus_fixture.h"
#include "support/subprocess.h"

namespace xerod::testing {
namespace {

TEST(AccessCheckerTest, RootOrAdminGroupMember) {
  group* root_group = getgrnam("root");
  ASSERT_NE(root_group, nullptr);
  EXPECT_TRUE(dbus::AccessChecker::IsAdmin(0, {}, "no-such-group"));
  EXPECT_TRUE(dbus::AccessChecker::IsAdmin(65534, {100, root_group->gr_gid}, "root"));
  EXPECT_FALSE(dbus::AccessChecker::IsAdmin(65534, {100}, "root"));
  EXPECT_FALSE(dbus::AccessChecker::IsAdmin(65534, {root_group->gr_gid}, "no-such-group"));
  EXPECT_FALSE(dbus::AccessChecker::IsAdmin(65534, {root_group->gr_gid}, ""));
}

// A system-like bus config (after /usr/share/dbus-1/system.conf) including `policy`.
std::string SystemBusConfig(const std::string& socket, const std::string& policy) {
  return R"(<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=)" +
         socket + R"(</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus.Properties"/>
  </policy>
  <include>)" +
         policy + R"(</include>
</busconfig>
)";
}

class AccessTest : public ::testing::Test {
 protected:
  void Start(const std::string& policy, const std::string& admin_group = "xerod-admin") {
    if (geteuid() != 0) GTEST_SKIP() << "needs root: owns the name and runs clients as nobody";
    if (access("/usr/bin/setpriv", X_OK) != 0) GTEST_SKIP() << "needs setpriv (util-linux)";
    chmod(dir_.path().c_str(), 0755);  // nobody must reach the socket
    std::string config = dir_.File("system-bus.conf");
    WriteFile(config, SystemBusConfig(dir_.File("bus.sock"), policy));
    bus_ = std::make_unique<PrivateBus>(dir_, config);
    ASSERT_FALSE(bus_->address().empty()) << ReadFile(dir_.File("dbus-daemon.log"));
    setenv("DBUS_SYSTEM_BUS_ADDRESS", bus_->address().c_str(), 1);
    service_ = std::make_unique<InProcessService>(dir_, BusKind::kSystem, admin_group);
    ASSERT_EQ(service_->start_error(), "");
  }

  // Runs xerod-ctl --bus system ARGS, as nobody:nogroup when `as_nobody`.
  // Returns the exit code; output in *out.
  int Ctl(const std::string& args, bool as_nobody, std::string* out) {
    std::string file = dir_.File("ctl.out");
    std::string cmd = (as_nobody ? "setpriv --reuid=nobody --regid=nogroup --clear-groups " : "") +
                      BinaryPath("xerod-ctl") + " --bus system " + args + " > " + file + " 2>&1";
    int status = std::system(cmd.c_str());
    *out = ReadFile(file);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  void TearDown() override {
    service_.reset();
    bus_.reset();
  }

  TempDir dir_;
  std::unique_ptr<PrivateBus> bus_;
  std::unique_ptr<InProcessService> service_;
};

TEST_F(AccessTest, RealPolicyLetsRootMutateAndOthersOnlyRead) {
  Start(SourceDir() + "/etc/dbus-1/system.d/org.xerod.Xerod1.conf");
  std::string out;
  EXPECT_EQ(Ctl("pause", false, &out), 0) << out;
  EXPECT_NE(out.find("paused all connections"), std::string::npos) << out;
  EXPECT_EQ(Ctl("resume", true, &out), 1) << out;
  EXPECT_NE(out.find("permission denied"), std::string::npos) << out;
  EXPECT_NE(out.find("Rejected send message"), std::string::npos) << out;  // the bus said no
  EXPECT_EQ(Ctl("--json status", true, &out), 0) << out;
  EXPECT_NE(out.find("\"paused\":true"), std::string::npos) << out;
  EXPECT_EQ(Ctl("job list", true, &out), 0) << out;
  // Connection reads pass the bus (this in-process service has no connection
  // services, so the daemon answers Unavailable, not the bus AccessDenied);
  // connection changes and the test email do not.
  EXPECT_EQ(Ctl("connection list", true, &out), 1) << out;
  EXPECT_NE(out.find("without connection services"), std::string::npos) << out;
  EXPECT_EQ(Ctl("--json connection settings acme", true, &out), 0) << out;
  EXPECT_EQ(Ctl("connection check acme", true, &out), 1) << out;
  EXPECT_NE(out.find("Rejected send message"), std::string::npos) << out;
  EXPECT_EQ(Ctl("email test", true, &out), 1) << out;
  EXPECT_NE(out.find("Rejected send message"), std::string::npos) << out;
}

// Invoice contents are personal data: the document (ShowJob) and job errors
// (they may quote it) are for root and the admin group; everyone else still
// sees the jobs, their states and counts.
TEST_F(AccessTest, PersonalDataIsForAdminsOnly) {
  Start(SourceDir() + "/etc/dbus-1/system.d/org.xerod.Xerod1.conf");
  JobQueue& queue = service_->queue();
  auto job = queue.Enqueue(NewJob{.connection = "acme",
                                  .kind = DocumentType::kInvoice,
                                  .source_id = "inv-1",
                                  .payload = R"({"client":{"name":"Jane Doe"}})"});
  ASSERT_TRUE(job.has_value());
  auto claimed = queue.Claim("acme", 1);
  ASSERT_TRUE(claimed.has_value() && claimed->jobs.size() == 1);
  ASSERT_TRUE(queue.Complete(
      {JobOutcome::Permanent(job->job_id, "Contact Jane Doe <jane@doe.test> is archived")}));
  const std::string id = std::to_string(job->job_id);
  std::string out;
  EXPECT_EQ(Ctl("job show " + id, true, &out), 1) << out;
  EXPECT_NE(out.find("Rejected send message"), std::string::npos) << out;  // the bus said no
  EXPECT_EQ(Ctl("--json job list", true, &out), 0) << out;
  EXPECT_NE(out.find("\"state\":\"dead\""), std::string::npos) << out;
  EXPECT_EQ(out.find("Jane"), std::string::npos) << out;
  EXPECT_EQ(out.find("last_error"), std::string::npos) << out;
  // Root sees all of it.
  EXPECT_EQ(Ctl("--json job list", false, &out), 0) << out;
  EXPECT_NE(out.find("Jane Doe"), std::string::npos) << out;
  EXPECT_EQ(Ctl("job show " + id, false, &out), 0) << out;
}

// The JobStateChanged signal carries job errors, which may quote the document:
// the policy lets only root and the admin group receive it. dbus-monitor
// subscribes (a plain match rule: BecomeMonitor and eavesdropping are refused to
// others on a system bus) as nobody and as root. The job's JobStateChanged is
// emitted before pause's HoldChanged, and the bus keeps one sender's order, so
// once nobody's monitor shows HoldChanged it would already show JobStateChanged.
TEST_F(AccessTest, OnlyAdminsReceiveJobStateChanged) {
  Start(SourceDir() + "/etc/dbus-1/system.d/org.xerod.Xerod1.conf");
  if (access("/usr/bin/dbus-monitor", X_OK) != 0) GTEST_SKIP() << "needs dbus-monitor";
  const std::vector<std::string> monitor = {"/usr/bin/dbus-monitor", "--system",
                                            "type='signal',sender='org.xerod.Xerod1'"};
  std::vector<std::string> as_nobody = {"/usr/bin/setpriv", "--reuid=nobody", "--regid=nogroup",
                                        "--clear-groups"};
  as_nobody.insert(as_nobody.end(), monitor.begin(), monitor.end());
  Subprocess nobody(as_nobody, {}, dir_.File("monitor-nobody.log"));
  Subprocess root(monitor, {}, dir_.File("monitor-root.log"));
  // Each monitor prints the bus's NameAcquired once its match rules are in place.
  ASSERT_TRUE(WaitFor([&] { return nobody.Output().find("NameAcquired") != std::string::npos; },
                      std::chrono::seconds(10)))
      << nobody.Output();
  ASSERT_TRUE(WaitFor([&] { return root.Output().find("NameAcquired") != std::string::npos; },
                      std::chrono::seconds(10)))
      << root.Output();

  auto job = service_->queue().Enqueue(NewJob{.connection = "acme",
                                              .kind = DocumentType::kInvoice,
                                              .source_id = "inv-1",
                                              .payload = R"({"client":{"name":"Jane Doe"}})"});
  ASSERT_TRUE(job.has_value());
  std::string out;
  ASSERT_EQ(Ctl("pause", false, &out), 0) << out;
  auto saw = [](Subprocess& p, const char* member) {
    return p.Output().find(std::string("member=") + member) != std::string::npos;
  };
  ASSERT_TRUE(WaitFor([&] { return saw(root, "HoldChanged"); }, std::chrono::seconds(10)))
      << root.Output();
  EXPECT_TRUE(saw(root, "JobStateChanged")) << root.Output();
  ASSERT_TRUE(WaitFor([&] { return saw(nobody, "HoldChanged"); }, std::chrono::seconds(10)))
      << nobody.Output();
  EXPECT_FALSE(saw(nobody, "JobStateChanged")) << nobody.Output();
  EXPECT_EQ(nobody.Output().find("inv-1"), std::string::npos) << nobody.Output();
}

TEST_F(AccessTest, DaemonRefusesNonAdminsThatPassThePolicy) {
  std::string permissive = dir_.File("permissive.conf");
  WriteFile(permissive, R"(<busconfig>
  <policy user="root"><allow own="org.xerod.Xerod1"/></policy>
  <policy context="default"><allow send_destination="org.xerod.Xerod1"/></policy>
</busconfig>
)");
  Start(permissive);
  std::string out;
  EXPECT_EQ(Ctl("pause acme", true, &out), 1) << out;
  EXPECT_NE(out.find("Pause needs root or membership of group 'xerod-admin'"), std::string::npos)
      << out;
  EXPECT_EQ(Ctl("reload", true, &out), 1) << out;
  EXPECT_NE(out.find("Reload needs root"), std::string::npos) << out;
  EXPECT_EQ(Ctl("job show 1", true, &out), 1) << out;
  EXPECT_NE(out.find("ShowJob needs root"), std::string::npos) << out;
  EXPECT_EQ(Ctl("notification list", true, &out), 1) << out;
  EXPECT_NE(out.find("ListNotifications needs root"), std::string::npos) << out;
  EXPECT_EQ(Ctl("connection disconnect acme", true, &out), 1) << out;
  EXPECT_NE(out.find("DisconnectConnection needs root"), std::string::npos) << out;
  EXPECT_EQ(Ctl("email test", true, &out), 1) << out;
  EXPECT_NE(out.find("SendTestEmail needs root"), std::string::npos) << out;
  EXPECT_EQ(Ctl("pause acme", false, &out), 0) << out;
}

TEST_F(AccessTest, AdminGroupMembersMayMutate) {
  std::string permissive = dir_.File("permissive.conf");
  WriteFile(permissive, R"(<busconfig>
  <policy user="root"><allow own="org.xerod.Xerod1"/></policy>
  <policy context="default"><allow send_destination="org.xerod.Xerod1"/></policy>
</busconfig>
)");
  Start(permissive, "nogroup");  // nobody's group
  std::string out;
  EXPECT_EQ(Ctl("pause acme", true, &out), 0) << out;
  EXPECT_EQ(Ctl("--json status", true, &out), 0) << out;
  EXPECT_NE(out.find("\"acme\":{\"parked\":false,\"paused\":true"), std::string::npos) << out;
}

}  // namespace
}  // namespace xerod::testing
