using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using SpecEditor.Hosting;

namespace SpecEditor.Observability;

public static class ObservabilityRegistration
{
    /// <summary>OpenTelemetry metrics of the app's meters (SpecEditor.*), exported for Prometheus and, when STATSD_HOST is set, to StatsD.</summary>
    public static IHostApplicationBuilder AddObservability(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSettings<ObservabilitySettings>(builder.Configuration);
        builder.Services.AddOpenTelemetry().WithMetrics(metrics =>
        {
            metrics.AddMeter("SpecEditor.*");
            metrics.AddPrometheusExporter();
            if (!string.IsNullOrWhiteSpace(builder.Configuration["STATSD_HOST"]))
            {
                metrics.AddReader(services =>
                {
                    // Read through the validated settings: a bad STATSD_HOST stops startup with its own message first.
                    var settings = services.GetRequiredService<IOptions<ObservabilitySettings>>().Value;
                    var (host, port) = settings.StatsdEndpoint;
                    return new PeriodicExportingMetricReader(new StatsdExporter(host, port, settings.StatsdPrefix), (int)settings.StatsdInterval.TotalMilliseconds)
                    {
                        TemporalityPreference = MetricReaderTemporalityPreference.Delta,
                    };
                });
            }
        });
        return builder;
    }

    /// <summary>The Prometheus scrape endpoint at <c>/metrics</c>.</summary>
    public static IEndpointRouteBuilder MapObservability(this IEndpointRouteBuilder routes)
    {
        routes.MapPrometheusScrapingEndpoint("/metrics");
        return routes;
    }
}
