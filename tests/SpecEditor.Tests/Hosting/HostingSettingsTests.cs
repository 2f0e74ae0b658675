using SpecEditor.Hosting;

namespace SpecEditor.Tests.Hosting;

/// <summary>Links back to the app (in pull requests) use PUBLIC_URL, or an address a browser can open.</summary>
public sealed class HostingSettingsTests
{
    [Theory]
    [InlineData("127.0.0.1", null, "http://127.0.0.1:5000")]
    [InlineData("0.0.0.0", null, "http://localhost:5000")]
    [InlineData("::", null, "http://localhost:5000")]
    [InlineData("::1", null, "http://[::1]:5000")]
    [InlineData("0.0.0.0", "https://editor.example.com/", "https://editor.example.com")]
    public void The_base_url_is_one_a_browser_can_open(string listenAddress, string? publicUrl, string expected)
    {
        var settings = new HostingSettings { ListenAddress = listenAddress, Port = "5000", PublicUrl = publicUrl };

        Assert.Equal(expected, settings.BaseUrl);
    }
}
