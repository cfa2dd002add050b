using Archiver.Domain.Masking;

namespace Archiver.Domain.Tests.Masking;

/// <summary>
/// The built-in detectors on what customers and agents actually type: each sensitive value is replaced in place, exactly,
/// and everything that only looks like one (order numbers, tracking ids, timestamps, prices, versions) stays readable,
/// as the very same string instance.
/// </summary>
public sealed class MaskerDetectionTests
{
    private static readonly Masker Masker = MaskingRuleSet.Default.Masker;

    [Theory]
    [InlineData("my card is 4111 1111 1111 1111, exp 12/27", "my card is [card], exp 12/27")]
    [InlineData("card: 4111-1111-1111-1111 thanks", "card: [card] thanks")]
    [InlineData("4111111111111111", "[card]")]
    [InlineData("Amex 3782 822463 10005 please", "Amex [card] please")]
    [InlineData("mastercard 5555 5555 5555 4444 or the new one 2223 0031 2200 3222", "mastercard [card] or the new one [card]")]
    [InlineData("discover 6011111111111117, jcb 3530111333300000", "discover [card], jcb [card]")]
    [InlineData("diners 3056 930902 5904 / unionpay 6200 0000 0000 0005", "diners [card] / unionpay [card]")]
    [InlineData("old visa 4222222222222 (13 digits)", "old visa [card] (13 digits)")]
    [InlineData("maestro 6759 6498 2643 8453.", "maestro [card].")]
    [InlineData("4111 1111 1111 1111 123 is the cvv", "[card] 123 is the cvv")]
    [InlineData("ref 12 4111111111111111", "ref 12 [card]")]
    public void Card_numbers_are_masked(string text, string masked) => Assert.Equal(masked, Masker.Mask(text));

    [Theory]
    [InlineData("SSN 123-45-6789", "SSN [ssn]")]
    [InlineData("my social is 123 45 6789.", "my social is [ssn].")]
    [InlineData("ssn:078-05-1120,dob 1970", "ssn:[ssn],dob 1970")]
    public void Social_security_numbers_are_masked(string text, string masked) => Assert.Equal(masked, Masker.Mask(text));

    [Theory]
    [InlineData("mail me at jane.doe+orders@example.co.uk", "mail me at [email]")]
    [InlineData("JANE.DOE@EXAMPLE.COM or john_smith@mail.example.org.", "[email] or [email].")]
    [InlineData("<jane@example.com>", "<[email]>")]
    public void Email_addresses_are_masked(string text, string masked) => Assert.Equal(masked, Masker.Mask(text));

    [Theory]
    [InlineData("call +1 (415) 555-0132", "call [phone]")]
    [InlineData("London office +44 20 7946 0958, ask for Jane", "London office [phone], ask for Jane")]
    [InlineData("mon portable: +33 6 12 34 56 78", "mon portable: [phone]")]
    [InlineData("+44 (0)20 7946 0958 or (+33) 6 12 34 56 78", "[phone] or [phone]")]
    [InlineData("text +14155550132", "text [phone]")]
    [InlineData("(415) 555-0132, 415-555-0132, 415.555.0132, 415 555 0132", "[phone], [phone], [phone], [phone]")]
    [InlineData("toll free 1-800-555-0199", "toll free [phone]")]
    public void Phone_numbers_are_masked(string text, string masked) => Assert.Equal(masked, Masker.Mask(text));

    [Theory]
    [InlineData("IBAN: DE89 3704 0044 0532 0130 00", "IBAN: [iban]")]
    [InlineData("pay to GB29NWBK60161331926819 by Friday", "pay to [iban] by Friday")]
    [InlineData("iban gb29 nwbk 6016 1331 9268 19 thanks", "iban [iban] thanks")]
    [InlineData("NL91ABNA0417164300.", "[iban].")]
    [InlineData("FR14 2004 1010 0505 0001 3M02 606 and NO93 8601 1117 947", "[iban] and [iban]")]
    [InlineData("BE68 5390 0754 7034 Tell me when", "[iban] Tell me when")]
    public void Ibans_are_masked(string text, string masked) => Assert.Equal(masked, Masker.Mask(text));

    [Fact]
    public void A_message_with_one_of_everything_has_everything_masked()
    {
        const string text = "Hi, I'm Jane (jane@example.com, +1 415 555 0132). Card 4111 1111 1111 1111, SSN 123-45-6789, " +
                            "refund to DE89 3704 0044 0532 0130 00 for order #48213 please.";

        Assert.Equal(
            "Hi, I'm Jane ([email], [phone]). Card [card], SSN [ssn], refund to [iban] for order #48213 please.",
            Masker.Mask(text));
    }

    [Theory]
    [InlineData("order #48213 was shipped")]
    [InlineData("order 100045678 is late")]
    [InlineData("4111 1111 1111 1112")] // fails Luhn
    [InlineData("4111111111111111111")] // 19 digits, fails Luhn
    [InlineData("UPS 1Z999AA10123456784")]
    [InlineData("USPS 9400 1000 0000 0000 0000 00")]
    [InlineData("FedEx 7489 2345 6789")]
    [InlineData("sent 2024-05-01T09:00:00Z")]
    [InlineData("at 2024-05-01 09:00:00 UTC")]
    [InlineData("on 01/05/2024")]
    [InlineData("ts=1714554000")]
    [InlineData("ts=1714554000123")]
    [InlineData("offset 2024-05-01T09:00:00+02:00")]
    [InlineData("total $1,299.99 (was $1,499.00)")]
    [InlineData("app v10.2.3 build 4521")]
    [InlineData("server 192.168.100.200 and 10.0.0.1, gateway 203.0.113.195")]
    [InlineData("invoice INV-2024-00017")]
    [InlineData("ref 000-12-3456")] // SSN area 000
    [InlineData("ref 987-65-4321")] // area 9xx
    [InlineData("ref 666-12-3456")] // area 666
    [InlineData("ref 123-00-4567")] // group 00
    [InlineData("ref 123-45-0000")] // serial 0000
    [InlineData("905-12-2024 and 000 05 2024")] // dates in the SSN's shape, but areas it never issues
    [InlineData("1123-45-6789 or 123-45-67890")] // a digit right beside it: part of a longer number
    [InlineData("123-45 6789")] // separators must agree
    [InlineData("ping user@localhost or root@build01")]
    [InlineData("@jane said hi")]
    [InlineData("IBAN DE88 3704 0044 0532 0130 00")] // wrong check digits
    [InlineData("GB28NWBK60161331926819")]
    [InlineData("DE89 3704 0044 0532 0130")] // a digit group short: not Germany's length
    [InlineData("call 4155550132 or 555-0132")] // a national number needs its separators, and its area code
    [InlineData("123-456-7890")] // no area code starts with 1
    [InlineData("up +12.5% on +3 last week")] // too few digits for an international number
    [InlineData("score 3+4 = 7, 2+2")]
    public void What_only_looks_sensitive_stays_readable(string text) => Assert.Same(text, Masker.Mask(text));

    [Theory]
    [InlineData("1")] // no issuer's numbers start with 1
    [InlineData("9")]
    [InlineData("8")]
    public void A_luhn_valid_number_without_an_issuer_prefix_stays_readable(string firstDigit)
    {
        var number = Cards.WithLuhnCheckDigit(firstDigit + "23456789012345");
        Assert.True(Cards.PassesLuhn(number));

        foreach (var text in new[] { number, Cards.Grouped(number), "order " + Cards.Grouped(number) + " shipped" })
            Assert.Same(text, Masker.Mask(text));
    }

    [Fact]
    public void A_luhn_valid_number_with_an_issuer_prefix_at_a_length_the_issuer_does_not_use_stays_readable()
    {
        var amex16 = Cards.WithLuhnCheckDigit("378282246310005"); // Amex numbers have 15 digits
        var visa15 = Cards.WithLuhnCheckDigit("41111111111111"); // Visa: 13, 16 or 19

        Assert.Same(amex16, Masker.Mask(amex16));
        Assert.Same(visa15, Masker.Mask(visa15));
    }

    [Fact]
    public void Text_without_anything_to_mask_is_returned_as_the_same_instance()
    {
        var text = new string("Hello, where is my order?".ToCharArray()); // not interned: the instance is the one passed

        Assert.Same(text, Masker.Mask(text));
        Assert.Same("", Masker.Mask(""));
        Assert.Null(Masker.Mask(null));
    }
}
