namespace Archiver.Domain.Tests.Masking;

/// <summary>Card numbers built for a test rather than copied from one: the Luhn check digit computed here.</summary>
internal static class Cards
{
    /// <summary><paramref name="digits"/> followed by the check digit that makes the whole pass the Luhn check.</summary>
    public static string WithLuhnCheckDigit(string digits)
    {
        for (var check = '0'; check <= '9'; check++)
        {
            if (PassesLuhn(digits + check))
                return digits + check;
        }
        throw new InvalidOperationException("unreachable: one check digit always fits");
    }

    public static bool PassesLuhn(string number)
    {
        var sum = 0;
        var digits = number.Where(char.IsAsciiDigit).Select(c => c - '0').Reverse().ToArray();
        for (var i = 0; i < digits.Length; i++)
            sum += i % 2 == 0 ? digits[i] : digits[i] * 2 > 9 ? digits[i] * 2 - 9 : digits[i] * 2;
        return sum % 10 == 0;
    }

    /// <summary>Groups of four, as a customer types a card number.</summary>
    public static string Grouped(string digits) => string.Join(' ', digits.Chunk(4).Select(chunk => new string(chunk)));
}
