using System.Globalization;
using System.Net.Sockets;
using System.Text;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace SpecEditor.Observability;

/// <summary>
/// Sends OpenTelemetry metrics to StatsD over UDP, as deltas per export: sums as counters (<c>|c</c>), gauges as gauges
/// (<c>|g</c>), histograms as <c>.count</c> and <c>.sum</c> counters. Tag values become name segments, since plain StatsD has no tags.
/// </summary>
internal sealed class StatsdExporter : BaseExporter<Metric>
{
    private const int MaxPacket = 1400;

    private readonly UdpClient _udp = new();
    private readonly string _host;
    private readonly int _port;
    private readonly string _prefix;

    public StatsdExporter(string host, int port, string prefix)
    {
        // The name is resolved at each send, not here: a StatsD host that does not resolve yet (a sidecar still starting)
        // must not stop the app, and a host whose address changes is followed.
        _host = host;
        _port = port;
        _prefix = prefix.Length == 0 ? "" : prefix.TrimEnd('.') + ".";
    }

    public override ExportResult Export(in Batch<Metric> batch)
    {
        var lines = new List<string>();
        foreach (var metric in batch)
        {
            foreach (ref readonly var point in metric.GetMetricPoints())
            {
                var name = Name(metric.Name, point.Tags);
                switch (metric.MetricType)
                {
                    case MetricType.LongSum:
                    case MetricType.LongSumNonMonotonic:
                        lines.Add(string.Create(CultureInfo.InvariantCulture, $"{name}:{point.GetSumLong()}|c"));
                        break;
                    case MetricType.DoubleSum:
                    case MetricType.DoubleSumNonMonotonic:
                        lines.Add(string.Create(CultureInfo.InvariantCulture, $"{name}:{point.GetSumDouble():0.######}|c"));
                        break;
                    case MetricType.LongGauge:
                        lines.Add(string.Create(CultureInfo.InvariantCulture, $"{name}:{point.GetGaugeLastValueLong()}|g"));
                        break;
                    case MetricType.DoubleGauge:
                        lines.Add(string.Create(CultureInfo.InvariantCulture, $"{name}:{point.GetGaugeLastValueDouble():0.######}|g"));
                        break;
                    case MetricType.Histogram:
                        lines.Add(string.Create(CultureInfo.InvariantCulture, $"{name}.count:{point.GetHistogramCount()}|c"));
                        lines.Add(string.Create(CultureInfo.InvariantCulture, $"{name}.sum:{point.GetHistogramSum():0.######}|c"));
                        break;
                }
            }
        }

        try
        {
            Send(lines);
            return ExportResult.Success;
        }
        catch (SocketException)
        {
            // StatsD is fire-and-forget: an absent server must not hurt the app.
            return ExportResult.Failure;
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _udp.Dispose();
        }

        base.Dispose(disposing);
    }

    private void Send(List<string> lines)
    {
        var packet = new StringBuilder();
        foreach (var line in lines)
        {
            if (packet.Length > 0 && packet.Length + line.Length + 1 > MaxPacket)
            {
                Flush(packet);
            }

            if (packet.Length > 0)
            {
                packet.Append('\n');
            }

            packet.Append(line);
        }

        Flush(packet);
    }

    private void Flush(StringBuilder packet)
    {
        if (packet.Length > 0)
        {
            var bytes = Encoding.UTF8.GetBytes(packet.ToString());
            _udp.Send(bytes, bytes.Length, _host, _port);
            packet.Clear();
        }
    }

    private string Name(string metric, ReadOnlyTagCollection tags)
    {
        var name = new StringBuilder(_prefix).Append(Clean(metric));
        foreach (var tag in tags)
        {
            name.Append('.').Append(Clean(Convert.ToString(tag.Value, CultureInfo.InvariantCulture) ?? ""));
        }

        return name.ToString();
    }

    private static string Clean(string text) =>
        new(text.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '_').ToArray());
}
