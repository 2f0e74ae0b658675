using SpecEditor.Specs;
using SpecEditor.Specs.Yaml;

namespace SpecEditor.Tests.Specs;

public sealed class SpecTextTests
{
    [Fact]
    public void A_byte_order_mark_is_written_back()
    {
        byte[] bytes = [0xEF, 0xBB, 0xBF, .. "a: 1\n"u8];

        var text = SpecText.Decode(bytes);

        Assert.Equal("a: 1\n", text.Text);
        Assert.Equal(bytes, text.Encode(text.Text));
    }

    [Fact]
    public void Invalid_utf8_is_refused()
    {
        Assert.Contains("UTF-8", Assert.Throws<YamlFormatException>(() => SpecText.Decode([0x61, 0x3A, 0x20, 0xFF])).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Files_over_the_limit_are_not_parsed()
    {
        var parsed = ParsedSpec.Parse(new byte[2000], maxBytes: 1000);

        Assert.Null(parsed.Root);
        Assert.Contains("MAX_SPEC_BYTES", parsed.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_top_level_list_is_not_a_spec()
    {
        Assert.Contains("mapping", ParsedSpec.Parse("- a\n- b\n"u8.ToArray(), 1000).Problem, StringComparison.Ordinal);
    }
}
