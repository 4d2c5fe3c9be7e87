# A corpus file for the lexer: the corners of Python's token grammar.
x = 0x_1f + 0b1_0 + 0o7_7 + 1_000 + 3.14e-1_0 + .5 + 5. + 1e5 + 2j + 1.5J + 0
s = r'\d+' + b"bytes\n" + rb'\x00' + Rb"raw" + u"unicode" + f"{x!r:>{10}}" + F'{x}' + fr"{x}\n" + rf'{s}'
t = '''triple 'single' "double"
spanning # not a comment
lines''' + """and \""" escaped""" + 'it\'s' + "say \"hi\""
def f(a, /, b: int = 1, *args, c: "str" = None, **kw) -> dict[str, int]:
    """Docstring with DROP TABLE and rm -rf inside."""
    if (n := len(args)) >= 2 and a != b or not c:
        return {**kw, 'n': n}
    return a @ b if a else a ** b // 2 << 1 >> 1
lst = [i for i in range(10)
       if i % 2   # a comment inside brackets
       ]
total = 1 + \
    2
x += 1; x -= 1; x *= 2; x /= 2; x //= 1; x %= 3; x **= 2; x >>= 1; x <<= 1; x &= 1; x |= 1; x ^= 1
m @= m
café = 'unicode name'
lambda *_, **__: ...
async def g():
    await h()
print(f"nested {'{'} braces {{literal}} {d['k']}")
