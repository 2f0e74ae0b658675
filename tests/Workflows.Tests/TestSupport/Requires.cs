namespace SpecEditor.Workflows.Tests.TestSupport;

/// <summary>
/// Tests that need a tool ask here first: skipped with the reason on a developer machine, failed in CI (CI=true), where
/// .ci/run installs everything.
/// </summary>
internal static class Requires
{
    public static bool Strict => Environment.GetEnvironmentVariable("CI") is "true" or "1";

    /// <summary>The full path of a command on PATH.</summary>
    public static string Command(string name, string package)
    {
        var found = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists);
        if (found is not null)
        {
            return found;
        }

        if (Strict)
        {
            Assert.Fail($"{name} (Debian package '{package}') is required in CI but is not installed");
        }

        Assert.Skip($"{name} is not installed (Debian package '{package}')");
        return name;
    }
}
