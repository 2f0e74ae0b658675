namespace SpecEditor.Data;

/// <summary>Brings the schema up to date before the app starts serving, so readiness implies a usable database.</summary>
internal sealed class DatabaseMigrationService(MigrationRunner runner) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => runner.ApplyAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
