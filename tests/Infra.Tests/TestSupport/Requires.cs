namespace SpecEditor.Infra.Tests.TestSupport;

/// <summary>
/// Tests that need a tool ask here first: skipped with the reason on a developer machine, failed in CI (CI=true), where
/// .ci/run installs everything.
/// </summary>
internal static class Requires
{
    public static bool Strict => Environment.GetEnvironmentVariable("CI") is "true" or "1";

    public static string CloudInit()
    {
        const string path = "/usr/bin/cloud-init";
        if (File.Exists(path))
        {
            return path;
        }

        if (Strict)
        {
            Assert.Fail("cloud-init (Debian package 'cloud-init') is required in CI but is not installed");
        }

        Assert.Skip("cloud-init is not installed (Debian package 'cloud-init')");
        return path;
    }
}
