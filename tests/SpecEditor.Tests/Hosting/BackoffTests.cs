using SpecEditor.Hosting;

namespace SpecEditor.Tests.Hosting;

public sealed class BackoffTests
{
    [Fact]
    public void Backoff_doubles_per_failure_with_jitter_and_stays_under_the_cap()
    {
        var random = new Random(42);
        var baseDelay = TimeSpan.FromSeconds(1);
        var max = TimeSpan.FromSeconds(10);
        for (var failures = 1; failures <= 8; failures++)
        {
            var ceiling = Math.Min(10, Math.Pow(2, failures - 1));
            var delays = Enumerable.Range(0, 200).Select(_ => Backoff.Delay(failures, baseDelay, max, random).TotalSeconds).ToArray();
            Assert.All(delays, d => Assert.InRange(d, ceiling / 2, ceiling));
            Assert.True(delays.Distinct().Count() > 100, "delays are jittered");
        }
    }
}
