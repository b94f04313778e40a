using System.Globalization;

namespace DpcPi.Reporting;

/// <summary>
/// How wide the terminal report is and whether it is coloured: colour only on a terminal, never with NO_COLOR set
/// (no-color.org) or TERM=dumb; the width from COLUMNS, else the terminal's own, else 140 for a file or a pipe (as
/// before, so scripts that read the report see unwrapped tables).
/// </summary>
public sealed record TerminalStyle(int Width, bool Colour)
{
    /// <summary>Width for output that is no terminal and has no COLUMNS.</summary>
    public const int DefaultWidth = 140;

    /// <summary>The narrowest width the report lays itself out for.</summary>
    public const int MinimumWidth = 40;

    /// <summary>The style for <paramref name="output"/>: a terminal only when it is the process's stdout and that is not redirected.</summary>
    public static TerminalStyle Detect(TextWriter output)
    {
        var isTerminal = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;
        var windowWidth = 0;
        if (isTerminal)
        {
            try
            {
                windowWidth = Console.WindowWidth;
            }
            catch (IOException)
            {
                windowWidth = 0; // no controlling terminal after all
            }
        }

        return Decide(isTerminal, Environment.GetEnvironmentVariable("NO_COLOR"), Environment.GetEnvironmentVariable("TERM"), Environment.GetEnvironmentVariable("COLUMNS"), windowWidth);
    }

    /// <summary>The decision itself, from what <see cref="Detect"/> reads.</summary>
    public static TerminalStyle Decide(bool isTerminal, string? noColor, string? term, string? columns, int windowWidth)
    {
        var colour = isTerminal && string.IsNullOrEmpty(noColor) && !string.Equals(term, "dumb", StringComparison.Ordinal);
        int width;
        if (int.TryParse(columns, NumberStyles.None, CultureInfo.InvariantCulture, out var c) && c > 0)
        {
            width = c;
        }
        else if (isTerminal && windowWidth > 0)
        {
            width = windowWidth;
        }
        else
        {
            width = DefaultWidth;
        }

        return new TerminalStyle(Math.Max(MinimumWidth, width), colour);
    }
}
