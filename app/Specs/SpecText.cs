using System.Text;
using SpecEditor.Specs.Yaml;

namespace SpecEditor.Specs;

/// <summary>A spec file's text, decoded strictly as UTF-8; a byte-order mark is remembered so a save writes it back.</summary>
public sealed record SpecText(string Text, bool HasByteOrderMark)
{
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static SpecText Decode(byte[] bytes)
    {
        var bom = bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]);
        try
        {
            return new SpecText(Strict.GetString(bytes, bom ? 3 : 0, bytes.Length - (bom ? 3 : 0)), bom);
        }
        catch (DecoderFallbackException)
        {
            throw new YamlFormatException("the file is not valid UTF-8 text");
        }
    }

    public byte[] Encode(string text)
    {
        var body = Strict.GetBytes(text);
        return HasByteOrderMark ? [0xEF, 0xBB, 0xBF, .. body] : body;
    }
}

/// <summary>A spec file read and parsed once per blob: either a document or the reason it cannot be used.</summary>
public sealed class ParsedSpec
{
    private ParsedSpec(SpecText? text, YamlMapping? root, string? problem)
    {
        Text = text;
        Root = root;
        Problem = problem;
    }

    public SpecText? Text { get; }

    public YamlMapping? Root { get; }

    /// <summary>Why the file cannot be edited (bad YAML, too large, not a mapping); null when it parsed.</summary>
    public string? Problem { get; }

    public static ParsedSpec Parse(byte[] bytes, int maxBytes)
    {
        if (bytes.Length > maxBytes)
        {
            return new ParsedSpec(null, null, $"the file is {bytes.Length} bytes, more than the {maxBytes} allowed (MAX_SPEC_BYTES)");
        }

        SpecText text;
        try
        {
            text = SpecText.Decode(bytes);
        }
        catch (YamlFormatException ex)
        {
            return new ParsedSpec(null, null, ex.Message);
        }

        try
        {
            var root = YamlSourceParser.Parse(text.Text);
            return root is YamlMapping mapping
                ? new ParsedSpec(text, mapping, null)
                : new ParsedSpec(text, null, "the file's top level must be a mapping of keys to values");
        }
        catch (YamlFormatException ex)
        {
            // Keep the text: the pod page shows the broken file so people can see what to fix.
            return new ParsedSpec(text, null, "invalid YAML at " + ex.Describe());
        }
    }

    public static ParsedSpec TooLarge(long size, int maxBytes) =>
        new(null, null, $"the file is {size} bytes, more than the {maxBytes} allowed (MAX_SPEC_BYTES)");
}
