using SpecEditor.Infra.Tests.TestSupport;

namespace SpecEditor.Infra.Tests;

public sealed class StackTests
{
    [Theory]
    [MemberData(nameof(StackConfigs.Combinations), MemberType = typeof(StackConfigs))]
    public async Task Every_combination_has_the_app_url_health_url_and_image_outputs(string target, string registry)
    {
        var run = await StackRun.RunAsync(StackConfigs.For(target, registry));

        var appUrl = await run.OutputAsync("appUrl");
        Assert.StartsWith("http", appUrl, StringComparison.Ordinal);
        Assert.Equal(appUrl + "/health/ready", await run.OutputAsync("healthUrl"));
        Assert.NotEmpty(await run.OutputAsync("image"));
    }
}
