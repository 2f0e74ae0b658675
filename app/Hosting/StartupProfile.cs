using System.Runtime;

namespace SpecEditor.Hosting;

/// <summary>
/// Multi-core JIT: the first start records which methods the runtime compiled; later starts compile them ahead, on the
/// other cores, while start-up runs. The profile lives in the data folder; without a writable one, start-up goes on without it.
/// </summary>
public static class StartupProfile
{
    public static void Start()
    {
        var dataDir = Environment.GetEnvironmentVariable("DATA_DIR") is { Length: > 0 } configured ? configured : new HostingSettings().DataDir;
        if (string.IsNullOrEmpty(dataDir))
        {
            return;
        }

        try
        {
            Directory.CreateDirectory(dataDir);
            ProfileOptimization.SetProfileRoot(dataDir);
            ProfileOptimization.StartProfile("startup.jitprofile");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Not worth failing over: the app starts the same, only without the head start.
        }
    }
}
