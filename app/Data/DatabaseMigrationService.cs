using System.Data.Common;
using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using SpecEditor.Hosting;

namespace SpecEditor.Data;

/// <summary>
/// Brings the schema up to date before the app starts serving, so readiness implies a usable database. A database that is
/// still starting (compose, Kubernetes) is waited for, up to DATABASE_STARTUP_TIMEOUT_SECONDS; then startup stops with one
/// line saying what could not be reached.
/// </summary>
internal sealed partial class DatabaseMigrationService(
    MigrationRunner runner,
    Database database,
    IOptions<DatabaseSettings> settings,
    ILogger<DatabaseMigrationService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var timeout = TimeSpan.FromSeconds(settings.Value.StartupTimeout);
        var clock = Stopwatch.StartNew();
        var failures = 0;
        while (true)
        {
            // Chosen before trying, so the filter below can tell whether one more wait still fits in the timeout.
            var delay = Backoff.Delay(failures + 1, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5), Random.Shared);
            try
            {
                await runner.ApplyAsync(cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (IsUnreachable(ex) && clock.Elapsed + delay < timeout)
            {
                failures++;
                LogWaiting(logger, database.Provider, ex.Message, Math.Round(delay.TotalSeconds, 2));
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            }
            catch (DbException ex)
            {
                var what = IsUnreachable(ex) ? $"cannot reach the {Name} database after {clock.Elapsed.TotalSeconds:F0} s" : $"the {Name} database refused the schema update";
                throw new StartupException($"DATABASE_URL: {what}: {ex.Message}");
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private string Name => database.Provider == DatabaseProvider.Postgres ? "PostgreSQL" : "SQLite";

    private static bool IsUnreachable(Exception exception) => exception switch
    {
        DbException db => db.IsTransient || db.InnerException is SocketException or TimeoutException or IOException,
        SocketException or TimeoutException => true,
        _ => false,
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "The {Provider} database is not reachable yet ({Reason}); trying again in {Seconds} s")]
    private static partial void LogWaiting(ILogger logger, DatabaseProvider provider, string reason, double seconds);
}
