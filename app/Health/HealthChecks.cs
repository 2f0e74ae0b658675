using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using SpecEditor.Data;
using SpecEditor.Specs;

namespace SpecEditor.Health;

/// <summary>Readiness: the database answers a query.</summary>
internal sealed class DatabaseHealthCheck(Database database) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
            await connection.Command("SELECT 1").ScalarAsync<int>(cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy($"{database.Provider.ToString().ToLowerInvariant()} answers");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy($"{database.Provider.ToString().ToLowerInvariant()} does not answer: {ex.GetType().Name}");
        }
    }
}

/// <summary>Readiness: the spec store can resolve the base branch.</summary>
internal sealed class SpecStoreHealthCheck(ISpecStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            return HealthCheckResult.Healthy(await store.CheckAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy($"{store.Kind} store: {ex.Message}");
        }
    }
}

/// <summary>Health endpoints: <c>/health/live</c> (the process answers; no dependencies) and <c>/health/ready</c> (every "ready" check), as JSON.</summary>
public static class HealthEndpoints
{
    public const string ReadyTag = "ready";


    public static IHealthChecksBuilder AddAppHealthChecks(this IServiceCollection services) =>
        services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database", tags: [ReadyTag])
            .AddCheck<SpecStoreHealthCheck>("store", tags: [ReadyTag]);

    /// <summary>
    /// Health answers from middleware at the front of the pipeline, not from routed endpoints: probes never wait for the
    /// route table (pages, API) to be built, and nothing else in the pipeline runs for them.
    /// </summary>
    public static IApplicationBuilder UseAppHealth(this IApplicationBuilder app)
    {
        // Uptime counts from when the pipeline is built, which is moments after the process starts.
        var startedAt = Environment.TickCount64;
        Task Write(HttpContext context, HealthReport report) => WriteAsync(context, report, TimeSpan.FromMilliseconds(Environment.TickCount64 - startedAt));
        app.UseHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = Write });
        app.UseHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag), ResponseWriter = Write });
        return app;
    }

    private static async Task WriteAsync(HttpContext context, HealthReport report, TimeSpan uptime)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        await using var json = new Utf8JsonWriter(context.Response.Body);
        json.WriteStartObject();
        json.WriteString("status", report.Status.ToString());
        json.WriteNumber("durationMs", Math.Round(report.TotalDuration.TotalMilliseconds, 1));
        json.WriteNumber("uptimeSeconds", Math.Round(uptime.TotalSeconds));
        json.WriteStartObject("checks");
        foreach (var (name, entry) in report.Entries)
        {
            json.WriteStartObject(name);
            json.WriteString("status", entry.Status.ToString());
            json.WriteString("description", entry.Description);
            json.WriteNumber("durationMs", Math.Round(entry.Duration.TotalMilliseconds, 1));
            if (entry.Data.Count > 0)
            {
                json.WriteStartObject("data");
                foreach (var (key, value) in entry.Data)
                {
                    // Written by the writer itself: JsonSerializer would flush synchronously, which Kestrel refuses.
                    json.WriteString(key, value?.ToString());
                }

                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        json.WriteEndObject();
        json.WriteEndObject();
        await json.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }
}
