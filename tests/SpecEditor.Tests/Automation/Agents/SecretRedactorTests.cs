using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using SpecEditor.Automation;
using SpecEditor.Automation.Agents;

namespace SpecEditor.Tests.Automation.Agents;

/// <summary>Secrets whose values span lines: logs are redacted a line at a time, files whole.</summary>
public sealed class SecretRedactorTests
{
    private const string PemKey = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\n-----END PRIVATE KEY-----\n";

    private const string JsonCredential = "{\n  \"type\": \"service_account\",\n  \"private_key_id\": \"0a1b2c3d4e5f\"\n}";

    [Fact]
    public void Every_line_of_a_multi_line_secret_is_masked_where_it_appears_on_its_own()
    {
        var redactor = Redactor(("OPENAI_API_KEY", PemKey), ("GEMINI_API_KEY", JsonCredential));

        Assert.Equal("debug: key=***", redactor.Redact("debug: key=-----BEGIN PRIVATE KEY-----"));
        Assert.Equal("***", redactor.Redact("MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"));
        Assert.Equal("  ***", redactor.Redact("  BKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj"));
        Assert.Equal("***", redactor.Redact("-----END PRIVATE KEY-----"));
        Assert.Equal("    ***", redactor.Redact("    \"private_key_id\": \"0a1b2c3d4e5f\""));

        // The whole value on one line (JSON-escaped, say) is one mask, not one per line.
        Assert.Equal("key: ***", redactor.Redact("key: " + PemKey));
    }

    [Fact]
    public void Short_lines_of_a_multi_line_secret_such_as_braces_are_not_masked_everywhere()
    {
        var redactor = Redactor(("GEMINI_API_KEY", JsonCredential));

        Assert.Equal("{", redactor.Redact("{"));
        Assert.Equal("}", redactor.Redact("}"));
        Assert.Equal("if (ok) { return; }", redactor.Redact("if (ok) { return; }"));
    }

    [Fact]
    public void A_file_holding_a_multi_line_secret_gets_one_mask_and_a_reformatted_copy_is_masked_line_by_line()
    {
        var redactor = Redactor(("OPENAI_API_KEY", PemKey));

        var whole = redactor.Redact(Encoding.UTF8.GetBytes("key:\n" + PemKey + "end\n"), out var changed);
        Assert.True(changed);
        Assert.Equal("key:\n***end\n", Encoding.UTF8.GetString(whole));

        var crlf = redactor.Redact(Encoding.UTF8.GetBytes(PemKey.Replace("\n", "\r\n", StringComparison.Ordinal)), out changed);
        Assert.True(changed);
        Assert.Equal("***\r\n***\r\n***\r\n***\r\n", Encoding.UTF8.GetString(crlf));
    }

    /// <summary>A redactor for the preset agents' secrets (their names need no agents file).</summary>
    private static SecretRedactor Redactor(params (string Name, string Value)[] secrets)
    {
        var settings = Options.Create(new AutomationSettings());
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(secrets.ToDictionary(s => s.Name, s => (string?)s.Value)).Build();
        return new SecretRedactor(new AgentCatalog(settings), new SecretProvider(configuration), settings);
    }
}
