using System.Globalization;
using SpecEditor.Hosting;

namespace SpecEditor.Observability;

/// <summary>Metrics export: Prometheus is always at /metrics; StatsD is optional.</summary>
public sealed class ObservabilitySettings : ISettings<ObservabilitySettings>
{
    public static void Bind(IConfiguration configuration, ObservabilitySettings settings) => configuration.Bind(settings);

    /// <summary><c>host:port</c> of a StatsD server (UDP); empty turns StatsD export off.</summary>
    [ConfigurationKeyName("STATSD_HOST")]
    public string? StatsdHost { get; set; }

    [ConfigurationKeyName("STATSD_PREFIX")]
    public string StatsdPrefix { get; set; } = "spec_editor";

    [ConfigurationKeyName("STATSD_INTERVAL_SECONDS")]
    public string StatsdIntervalSeconds { get; set; } = "10";

    public bool StatsdEnabled => !string.IsNullOrWhiteSpace(StatsdHost);

    public TimeSpan StatsdInterval => TimeSpan.FromSeconds(double.Parse(StatsdIntervalSeconds, CultureInfo.InvariantCulture));

    public (string Host, int Port) StatsdEndpoint
    {
        get
        {
            var colon = StatsdHost!.LastIndexOf(':');
            return (StatsdHost[..colon], int.Parse(StatsdHost[(colon + 1)..], CultureInfo.InvariantCulture));
        }
    }

    public IEnumerable<string> Validate()
    {
        if (StatsdEnabled)
        {
            var colon = StatsdHost!.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(StatsdHost[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            {
                yield return $"STATSD_HOST: '{StatsdHost}' must be host:port, e.g. 127.0.0.1:8125";
            }
        }

        if (!System.Text.RegularExpressions.Regex.IsMatch(StatsdPrefix, "^[A-Za-z0-9_.-]*\\z"))
        {
            yield return $"STATSD_PREFIX: '{StatsdPrefix}' may only hold letters, digits, '_', '.' and '-'";
        }

        if (!double.TryParse(StatsdIntervalSeconds, NumberStyles.Float, CultureInfo.InvariantCulture, out var interval) || interval is < 0.1 or > 3600)
        {
            yield return $"STATSD_INTERVAL_SECONDS: '{StatsdIntervalSeconds}' must be a number of seconds from 0.1 to 3600";
        }
    }
}
