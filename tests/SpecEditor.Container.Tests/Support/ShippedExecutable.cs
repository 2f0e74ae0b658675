namespace SpecEditor.Container.Tests.Support;

/// <summary>
/// The executable the image ships (the Native AOT build from the Dockerfile), copied out of the image so a test can run it on
/// this machine. The app tests run the JIT build; this is the very binary users get, so code that only breaks ahead of time
/// (trimmed reflection, missing generic code) fails here.
/// </summary>
public static class ShippedExecutable
{
    /// <summary>Copies the image's /app folder (the executable and its native libraries) into <paramref name="target"/>; returns the executable's path.</summary>
    public static async Task<string> ExtractAsync(SpecEditorImage image, string target)
    {
        var container = (await Cli.RunAsync("docker", ["create", image.Tag])).Stdout.Trim();
        try
        {
            await Cli.RunAsync("docker", ["cp", $"{container}:/app/.", target]);
        }
        finally
        {
            await Cli.TryRunAsync("docker", ["rm", "--force", container]);
        }

        return Path.Combine(target, "SpecEditor");
    }
}
