using DpcPi.Gpio;
using DpcPi.Platform;

namespace DpcPi.Cli.CommandLine;

/// <summary>Dispatches to a subcommand and turns every expected failure into one line plus an exit code.</summary>
internal static class CliApp
{
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            output.WriteLine(MainUsage());
            return args.Length == 0 ? ExitCodes.Usage : ExitCodes.Ok;
        }

        if (args[0] is "--version")
        {
            output.WriteLine(typeof(CliApp).Assembly.GetName().Version);
            return ExitCodes.Ok;
        }

        var command = CommandRegistry.Find(args[0]);
        if (command is null)
        {
            error.WriteLine($"dpcpi: unknown command '{args[0]}'; commands: {string.Join(", ", CommandRegistry.All.Select(c => c.Name))}");
            return ExitCodes.Usage;
        }

        var rest = args.Skip(1).ToArray();
        if (rest.Contains("--help"))
        {
            output.WriteLine(command.Usage);
            return ExitCodes.Ok;
        }

        try
        {
            return await command.RunAsync(rest, output, cancellationToken).ConfigureAwait(false);
        }
        catch (CliException ex)
        {
            error.WriteLine(ex.Message);
            return ex.ExitCode;
        }
        catch (GpioException ex)
        {
            error.WriteLine($"dpcpi {command.Name}: {ex.Message}");
            return ExitCodes.Device;
        }
        catch (PlatformException ex)
        {
            error.WriteLine($"dpcpi {command.Name}: {ex.Message}");
            return ExitCodes.Device;
        }
        catch (Gpio.WiringException ex)
        {
            error.WriteLine($"dpcpi {command.Name}: {ex.Message}");
            return ExitCodes.Usage;
        }
        catch (UnauthorizedAccessException ex)
        {
            error.WriteLine($"dpcpi {command.Name}: {ex.Message}");
            return ExitCodes.Device;
        }
        catch (ArgumentException ex)
        {
            error.WriteLine($"dpcpi {command.Name}: {FirstLine(ex.Message)}");
            return ExitCodes.Usage;
        }
    }

    private static string FirstLine(string s) => s.Split('\n')[0].Trim();

    private static string MainUsage() =>
        "dpcpi — Windows-style DPCs for Raspberry Pi GPIO interrupts, with honest latency figures\n\n" +
        "usage: dpcpi <command> [options]   (dpcpi <command> --help for its options)\n\ncommands:\n" +
        string.Join('\n', CommandRegistry.All.Select(c => $"  {c.Name,-10} {c.Summary}"));
}
