namespace SpecEditor.Tests.TestSupport;

/// <summary>
/// Tests that need a real Docker engine, PostgreSQL, Chromium or another tool ask here first. Where the tool is missing they are skipped
/// with the reason on a developer machine, and fail in CI (CI=true), where .ci/run installs everything: a missing tool
/// there is a broken pipeline, not a pass.
/// </summary>
public static class Requires
{
    public static bool Strict => Environment.GetEnvironmentVariable("CI") is "true" or "1";

    public static void Tool(bool available, string what)
    {
        if (available)
        {
            return;
        }

        if (Strict)
        {
            Assert.Fail($"{what} is required in CI but is not available");
        }

        Assert.Skip($"{what} is not available on this machine");
    }

    public static string Chromium()
    {
        var path = Environment.GetEnvironmentVariable("CHROMIUM_PATH") ?? "/usr/bin/chromium";
        Tool(File.Exists(path), $"Chromium ({path}; install the Debian package 'chromium')");
        return path;
    }

    /// <summary>The full path of a command on PATH.</summary>
    public static string Command(string name, string package)
    {
        var found = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists);
        Tool(found is not null, $"{name} (Debian package '{package}')");
        return found!;
    }

    public static void Docker() =>
        Tool(File.Exists("/var/run/docker.sock") || Environment.GetEnvironmentVariable("DOCKER_HOST") is not null, "a Docker engine (/var/run/docker.sock)");
}
