namespace SpecEditor.Hosting;

/// <summary>Runs the app; bad settings and startup problems end it with one clear line each and exit code 2.</summary>
public static class StartupReport
{
    public const int BadSettingsExitCode = 2;

    public static async Task<int> RunAsync(Func<WebApplication> create)
    {
        try
        {
            await using var app = create();
            await app.RunAsync().ConfigureAwait(false);
            return 0;
        }
        catch (Exception ex) when (Describe(ex) is { Count: > 0 } lines)
        {
            foreach (var line in lines)
            {
                await Console.Error.WriteLineAsync($"spec-editor: cannot start: {line}").ConfigureAwait(false);
            }

            return BadSettingsExitCode;
        }
    }

    /// <summary>The lines to print for a startup failure people can fix; empty for a bug, which keeps its stack trace.</summary>
    public static IReadOnlyList<string> Describe(Exception exception) => exception switch
    {
        InvalidSettingsException settings => settings.Failures,
        AggregateException aggregate => aggregate.InnerExceptions.SelectMany(Describe).ToArray(),
        StartupException startup => [startup.Message],
        IOException { InnerException: Microsoft.AspNetCore.Connections.AddressInUseException } inUse =>
            [$"PORT: {inUse.Message.Replace("Failed to bind to address ", "", StringComparison.Ordinal).TrimEnd('.')} (another process is listening there; choose another PORT)"],
        AppException app => [app.Message],
        _ => [],
    };
}
