"""The formula tokenizer and canonicalizer, the Python twin of src/core/latex/tokenize.ts and
src/core/latex/canonical.ts (the TypeScript is the reference; test/unit/latex/tokenizer-parity.test.ts
checks that both give the same tokens on fixtures and on a corpus sample). The canonicalizer's rule
tables and the vocabulary are the same JSON files both sides read.

    python3 training/tokenizer.py                     reads JSON lines {"latex", "macros"} on stdin and
                                                      writes {"tokens", "canonical", "renamed", "ids"}

Tokens: control words, control symbols (`\\,`, `\\ `), `\\begin{env}`/`\\end{env}`, and every other
character alone. Document macros are expanded first, within a budget."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RULES_PATH = REPO / 'src' / 'core' / 'latex' / 'canonical-rules.json'
VOCAB_PATH = REPO / 'src' / 'core' / 'latex' / 'vocab.json'

MAX_FORMULA_CHARS = 50_000  # in UTF-16 code units, as JavaScript counts
MAX_EXPANSIONS = 1000
MAX_EXPANDED_TOKENS = 20_000
MAX_STRUCTURE_DEPTH = 200

_WHITESPACE = {' ', '\t', '\n', '\r', '\f'}
_ASCII_LETTERS = frozenset('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz')
_ASCII_ALNUM = _ASCII_LETTERS | frozenset('0123456789')
_ENVIRONMENT = re.compile(r'[ \t\n\r\f]*\{[ \t\n\r\f]*([A-Za-z]+\*?)[ \t\n\r\f]*\}')


def _get(items: list, index: int):
    """items[index], or None outside the list (negative indices included), as JavaScript reads arrays."""
    return items[index] if 0 <= index < len(items) else None


def _is_garbage(char: str) -> bool:
    code = ord(char)
    return code < 32 or code == 127 or code == 0xFFFD or 0xD800 <= code <= 0xDFFF


def lex(latex: str) -> list[str]:
    """Splits LaTeX into tokens; total and linear, garbage is dropped."""
    tokens: list[str] = []
    length = len(latex)
    i = 0
    while i < length:
        char = latex[i]
        if char in _WHITESPACE:
            i += 1
        elif char == '%':
            while i < length and latex[i] != '\n':
                i += 1
        elif char == '\\':
            i = _lex_control_sequence(latex, i, tokens)
        else:
            if not _is_garbage(char):
                tokens.append(char)
            i += 1
    return tokens


def _lex_control_sequence(latex: str, start: int, tokens: list[str]) -> int:
    length = len(latex)
    i = start + 1
    if i >= length:
        return i
    char = latex[i]
    if char not in _ASCII_LETTERS:
        if char in _WHITESPACE:
            tokens.append('\\ ')
        elif not _is_garbage(char):
            tokens.append('\\' + char)
        return i + 1
    while i < length and latex[i] in _ASCII_LETTERS:
        i += 1
    name = latex[start:i]
    if name in ('\\begin', '\\end'):
        environment = _ENVIRONMENT.match(latex, i, min(length, i + 80))
        if environment:
            tokens.append(f'{name}{{{environment.group(1)}}}')
            return environment.end()
    tokens.append(name)
    return i


def is_control_word(token) -> bool:
    return isinstance(token, str) and len(token) > 1 and token[0] == '\\' and token[-1] in _ASCII_LETTERS


def detokenize(tokens: list[str]) -> str:
    """Tokens back to LaTeX: lex(detokenize(tokens)) == tokens for every list lex produces."""
    out = []
    previous_is_control_word = False
    for token in tokens:
        if previous_is_control_word and token[0] in _ASCII_LETTERS:
            out.append(' ')
        out.append(token)
        previous_is_control_word = is_control_word(token)
    return ''.join(out)


# ------------------------------------------------------------------------------------------------
# Macros

def _group_end(tokens: list[str], open_at: int) -> int:
    depth = 0
    for i in range(open_at, len(tokens)):
        if tokens[i] == '{':
            depth += 1
        elif tokens[i] == '}':
            depth -= 1
            if depth == 0:
                return i + 1
    return len(tokens)


def _read_defined_name(tokens, i):
    first = _get(tokens, i)
    inner = _get(tokens, i + 1)
    if first == '{' and _get(tokens, i + 2) == '}' and inner is not None and inner.startswith('\\'):
        return inner, i + 3
    if first is not None and first.startswith('\\'):
        return first, i + 1
    return None


def _read_group(tokens, i):
    if _get(tokens, i) != '{':
        return None
    end = _group_end(tokens, i)
    return tokens[i + 1:end - 1 if tokens[end - 1] == '}' else end], end


def _read_bracketed(tokens, i):
    if _get(tokens, i) != '[':
        return None
    depth = 0
    for j in range(i + 1, len(tokens)):
        if tokens[j] == '{':
            depth += 1
        elif tokens[j] == '}':
            depth -= 1
        elif tokens[j] == ']' and depth == 0:
            return tokens[i + 1:j], j + 1
    return None


_NEW_COMMAND_HEADS = {'\\newcommand', '\\renewcommand', '\\providecommand'}


def parse_macros(macros: str) -> dict[str, dict]:
    """Macro definitions (corpus format) by name: {'parameters', 'optional', 'body', 'paired'}."""
    table: dict[str, dict] = {}
    limit = MAX_FORMULA_CHARS * 4
    tokens = lex(macros if _utf16_length(macros) <= limit else _utf16_prefix(macros, limit))
    i = 0
    while i < len(tokens):
        following = _parse_definition(tokens, i + 1, tokens[i], table)
        i = following if following > i else i + 1
    return table


def _parse_definition(tokens, start, head, table) -> int:
    i = start
    starred = _get(tokens, i) == '*'
    if starred:
        i += 1
    if head in _NEW_COMMAND_HEADS:
        named = _read_defined_name(tokens, i)
        if not named:
            return i
        name, j = named
        parameters, optional = 0, None
        count = _read_bracketed(tokens, j)
        if count:
            digits = ''.join(count[0])
            parameters = int(digits) if re.fullmatch('[0-9]', digits) else 0
            j = count[1]
            default = _read_bracketed(tokens, j)
            if default:
                optional, j = default
        body = _read_group(tokens, j)
        if not body:
            return j
        if head != '\\providecommand' or name not in table:
            table[name] = {'parameters': parameters, 'optional': optional, 'body': body[0], 'paired': False}
        return body[1]
    if head in ('\\def', '\\gdef', '\\edef', '\\xdef'):
        name = _get(tokens, i)
        if name is None or not name.startswith('\\'):
            return i
        j = i + 1
        parameters = 0
        while _get(tokens, j) == '#' and _get(tokens, j + 1) == str(parameters + 1):
            parameters += 1
            j += 2
        body = _read_group(tokens, j)
        if not body:
            return j
        table[name] = {'parameters': parameters, 'optional': None, 'body': body[0], 'paired': False}
        return body[1]
    if head == '\\let':
        name = _get(tokens, i)
        j = i + 1
        if _get(tokens, j) == '=':
            j += 1
        target = _get(tokens, j)
        if name is None or not name.startswith('\\') or target is None or target in ('{', '}'):
            return j
        table[name] = {'parameters': 0, 'optional': None, 'body': [target], 'paired': False}
        return j + 1
    if head == '\\DeclareMathOperator':
        named = _read_defined_name(tokens, i)
        if not named:
            return i
        body = _read_group(tokens, named[1])
        if not body:
            return named[1]
        operator = ['\\operatorname', '*'] if starred else ['\\operatorname']
        table[named[0]] = {'parameters': 0, 'optional': None, 'body': [*operator, '{', *body[0], '}'], 'paired': False}
        return body[1]
    if head == '\\DeclarePairedDelimiter':
        named = _read_defined_name(tokens, i)
        if not named:
            return i
        left = _read_group(tokens, named[1])
        right = left and _read_group(tokens, left[1])
        if not left or not right:
            return named[1]
        body = ['\\left', *left[0], '#', '1', '\\right', *right[0]]
        table[named[0]] = {'parameters': 1, 'optional': None, 'body': body, 'paired': True}
        return right[1]
    return start


_NO_EXPAND = '\u0000'  # marks a macro's own name inside its body: emitted as is, never re-expanded


def expand_macros(tokens: list[str], table: dict, max_expansions=MAX_EXPANSIONS, max_tokens=MAX_EXPANDED_TOKENS):
    """(expanded tokens, complete); complete is False when the budget stopped expansion early."""
    if not table:
        return list(tokens), True
    pending = list(reversed(tokens))
    out: list[str] = []
    expansions = 0
    complete = True
    while pending:
        token = pending.pop()
        if token[0] == _NO_EXPAND:
            out.append(token[1:])
            continue
        macro = table.get(token)
        if macro is None:
            out.append(token)
            continue
        if expansions >= max_expansions or len(out) + len(pending) > max_tokens:
            complete = False
            out.append(token)
            continue
        expansions += 1
        args = _read_arguments(pending, macro)
        body = macro['body']
        k = len(body) - 1
        while k >= 0:
            piece = body[k]
            previous = body[k - 1] if k > 0 else None
            if previous == '#' and len(piece) == 1 and '1' <= piece <= '9':
                index = int(piece) - 1
                arg = args[index] if index < len(args) else []
                pending.extend(reversed(arg))
                k -= 1
            else:
                pending.append(_NO_EXPAND + piece if piece == token else piece)
            k -= 1
    return out, complete


def _read_arguments(pending: list[str], macro: dict) -> list[list[str]]:
    args = []
    if macro['paired']:
        if pending and pending[-1] == '*':
            pending.pop()
        if pending and pending[-1] == '[':
            _pop_bracketed(pending)
    for n in range(macro['parameters']):
        if n == 0 and macro['optional'] is not None:
            if pending and pending[-1] == '[':
                bracketed = _pop_bracketed(pending)
                args.append(bracketed if bracketed is not None else [])
            else:
                args.append(macro['optional'])
        else:
            args.append(_pop_argument(pending))
    return args


def _pop_argument(pending: list[str]) -> list[str]:
    if not pending:
        return []
    first = pending.pop()
    if first != '{':
        return [first]
    arg = []
    depth = 1
    while pending:
        token = pending.pop()
        if token == '{':
            depth += 1
        elif token == '}':
            depth -= 1
            if depth == 0:
                break
        arg.append(token)
    return arg


def _pop_bracketed(pending: list[str]):
    depth = 0
    for k in range(len(pending) - 2, -1, -1):
        token = pending[k]
        if token == '{':
            depth += 1
        elif token == '}':
            depth -= 1
        elif token == ']' and depth == 0:
            contents = list(reversed(pending[k + 1:len(pending) - 1]))
            del pending[k:]
            return contents
    return None


def _utf16_length(text: str) -> int:
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def _utf16_prefix(text: str, units: int) -> str:
    count = 0
    for index, char in enumerate(text):
        count += 2 if ord(char) > 0xFFFF else 1
        if count > units:
            return text[:index]
    return text


class TokenizeError(ValueError):
    """A formula the tokenizer refuses (reason 'too-long')."""


_macro_tables: dict[str, dict] = {}


def tokenize_formula(latex: str, macros: str = '') -> tuple[list[str], bool]:
    """(tokens, macros_expanded) for a formula and its document's macros; TokenizeError when too long."""
    if _utf16_length(latex) > MAX_FORMULA_CHARS:
        raise TokenizeError(f'too-long: {_utf16_length(latex)} characters (limit {MAX_FORMULA_CHARS})')
    tokens = lex(latex)
    if not macros:
        return tokens, True
    table = _macro_tables.get(macros)
    if table is None:
        if len(_macro_tables) >= 64:
            del _macro_tables[next(iter(_macro_tables))]
        table = _macro_tables[macros] = parse_macros(macros)
    return expand_macros(tokens, table)


# ------------------------------------------------------------------------------------------------
# Canonicalizer (rule list: see canonical.ts)

RULES = json.loads(RULES_PATH.read_text(encoding='utf8'))
_DROP = set(RULES['dropTokens'])
_DROP_WITH_ARGUMENT = set(RULES['dropWithArgument'])
_SIZERS = set(RULES['delimiterSizers'])
_SIZED = RULES['sizedDelimiters']
_SYNONYMS = RULES['synonyms']
_FONTS = RULES['fontSwitches']
_OPERATOR_WRAPPERS = set(RULES['operatorWrappers'])
_OPERATOR_NAMES = set(RULES['operatorNames'])
_OPERATOR_COMMANDS = {'\\' + name for name in RULES['operatorNames']}
_GENERALIZED_FRACTIONS = RULES['generalizedFractions']
_SCOPE_BREAKERS = set(RULES['scopeBreakers'])
_TERM_BOUNDARIES = set(RULES['termBoundaries'])
_TERM_ENDS = set(RULES['termEnds'])
_LITERAL_ARGUMENTS = set(RULES['literalArguments'])


def canonicalize(tokens: list[str], rename_variables: bool = False) -> list[str]:
    rewritten = _spell_operators(_convert_font_switches(_drop_and_unify(tokens)))
    tree = _parse_groups(rewritten)
    structured = _flatten(_simplify_list(tree)) if tree is not None else rewritten
    return _rename_variables(structured) if rename_variables else structured


def _is_script(node) -> bool:
    return node == '^' or node == '_'


def _is_group(node) -> bool:
    return isinstance(node, list)


def _is_letter_or_digit(token) -> bool:
    return isinstance(token, str) and len(token) == 1 and token in _ASCII_ALNUM


def _is_digit(node) -> bool:
    return isinstance(node, str) and len(node) == 1 and '0' <= node <= '9'


def _spelled_operator(tokens, open_at):
    if _get(tokens, open_at) != '{':
        return None
    name = ''
    i = open_at + 1
    while i < len(tokens) and i < open_at + 9:
        token = tokens[i]
        if token == '}':
            return ('\\' + name, i + 1) if name in _OPERATOR_NAMES else None
        if len(token) != 1 or token not in _ASCII_LETTERS:
            return None
        name += token
        i += 1
    return None


def _drop_and_unify(tokens):
    out = []
    depth = 0
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token == '{':
            depth += 1
        elif token == '}':
            depth -= 1
            if depth < 0:
                depth = 0
                i += 1
                continue
        if token in _DROP:
            if _is_script(_get(tokens, i + 1)) and _ends_with_script(out):
                out += ['{', '}']
        elif token in _DROP_WITH_ARGUMENT:
            following = i + 1
            if _get(tokens, following) == '*':
                following += 1
            if _get(tokens, following) == '{':
                following = _group_end(tokens, following)
            i = following - 1
        elif token in _SIZERS:
            delimiter = _get(tokens, i + 1)
            if delimiter == '.':
                i += 1
            elif delimiter == '[' and _get(out, len(out) - 1) == '\\\\':
                out += ['{', '}']
            elif delimiter is not None and delimiter in _SIZED:
                out.append(_SIZED[delimiter])
                i += 1
        elif token == '*' and _get(out, len(out) - 1) == '\\operatorname':
            pass
        else:
            out.append(_SYNONYMS.get(token, token))
        i += 1
    return out


def _ends_with_script(tokens) -> bool:
    k = len(tokens) - 1
    if _get(tokens, k) == '}':
        depth = 0
        while k >= 0:
            if tokens[k] == '}':
                depth += 1
            elif tokens[k] == '{':
                depth -= 1
                if depth == 0:
                    break
            k -= 1
    return _is_script(_get(tokens, k - 1))


def _convert_font_switches(tokens):
    out = []
    extra_closes = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        while extra_closes and extra_closes[-1] == i:
            extra_closes.pop()
            out.append('}')
        previous = _get(out, len(out) - 1)
        in_text = previous is not None and previous.startswith('\\text')
        third = _get(tokens, i + 2)
        chained = third == '{' or third in _FONTS
        group_font = _FONTS.get(_get(tokens, i + 1)) if token == '{' and not in_text and not chained else None
        if group_font is not None:
            end = _group_end(tokens, i)
            out += ['{', group_font, '{']
            if tokens[end - 1] == '}':
                extra_closes.append(end - 1)
            i += 2
            continue
        font = _FONTS.get(token)
        out.append(font if font is not None and _get(tokens, i + 1) == '{' and not in_text else token)
        i += 1
    return out


def _spell_operators(tokens):
    out = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        operator = _spelled_operator(tokens, i + 1) if token in _OPERATOR_WRAPPERS else None
        if operator:
            if _get(out, len(out) - 1) in ('^', '_'):
                out += ['{', operator[0], '}']
            else:
                out.append(operator[0])
            i = operator[1]
        else:
            out.append(token)
            i += 1
    return out


def _parse_groups(tokens):
    root = []
    stack = [root]
    for token in tokens:
        if token == '{':
            if len(stack) > MAX_STRUCTURE_DEPTH:
                return None
            group = []
            stack[-1].append(group)
            stack.append(group)
        elif token == '}':
            if len(stack) > 1:
                stack.pop()
        else:
            stack[-1].append(token)
    return root


def _flatten(items, out=None):
    out = [] if out is None else out
    for item in items:
        if isinstance(item, str):
            out.append(item)
        else:
            out.append('{')
            _flatten(item, out)
            out.append('}')
    return out


def _simplify_list(items_in):
    items = []
    for k, item in enumerate(items_in):
        previous = _get(items_in, k - 1)
        literal = isinstance(previous, str) and previous in _LITERAL_ARGUMENTS
        items.append(_simplify_group(item) if _is_group(item) and not literal else item)
    items = _convert_generalized_fraction(items)
    items = _simplify_scripts_and_braces(items)
    return _convert_slashes(items)


def _simplify_group(items):
    simplified = _simplify_list(items)
    while len(simplified) == 1 and _is_group(simplified[0]):
        simplified = simplified[0]
    return simplified


def _starts_with_font_switch(items) -> bool:
    first = _get(items, 0)
    return isinstance(first, str) and first in _FONTS


def _convert_generalized_fraction(items):
    at = -1
    for k, item in enumerate(items):
        if not isinstance(item, str):
            continue
        if item in _GENERALIZED_FRACTIONS:
            if at >= 0:
                return items
            at = k
        elif item in ('&', '\\\\', '\\atop', '\\above'):
            return items
    if at < 0 or _starts_with_font_switch(items) or _starts_with_font_switch(items[at + 1:]):
        return items
    return [_GENERALIZED_FRACTIONS[items[at]], _simplify_group(items[:at]), _simplify_group(items[at + 1:])]


def _braces_only_group(group, before_previous, previous, following) -> bool:
    if not group:
        return False
    if previous is not None:
        if not isinstance(previous, str):
            return False
        if previous[0] == '\\' or _is_script(previous) or previous == ']':
            return False
        if isinstance(before_previous, str) and is_control_word(before_previous):
            return False
    first, last = group[0], group[-1]
    if _is_script(first) or first == "'" or _is_script(last):
        return False
    if any(isinstance(item, str) and item in _SCOPE_BREAKERS for item in group):
        return False
    if _is_script(following) or following == "'":
        return len(group) == 1 and isinstance(first, str)
    return True


def _simplify_scripts_and_braces(items):
    _subscripts_first(items)
    out = []
    k = 0
    while k < len(items):
        item = items[k]
        if _is_script(item):
            out.append(item)
            argument = _get(items, k + 1)
            if _is_group(argument) and len(argument) == 1 and isinstance(argument[0], str):
                only = argument[0]
                if _is_letter_or_digit(only) or (is_control_word(only) and only not in _OPERATOR_COMMANDS):
                    out.append(only)
                    k += 2
                    continue
            if argument is not None:
                out.append(argument)
            k += 2
            continue
        if _is_group(item) and _braces_only_group(item, _get(out, len(out) - 2), _get(out, len(out) - 1), _get(items, k + 1)):
            out += item
        else:
            out.append(item)
        k += 1
    return out


def _subscripts_first(items):
    k = 0
    while k + 3 < len(items):
        prime = _get(items, k - 1) == "'"
        subscript = items[k + 3]
        following = _get(items, k + 4)
        takes_argument = isinstance(subscript, str) and is_control_word(subscript) and (
            _is_group(following) or (isinstance(following, str) and _is_letter_or_digit(following)))
        if (items[k] == '^' and items[k + 2] == '_' and not prime and not takes_argument
                and not _is_script(following) and (k < 2 or not _is_script(items[k - 2]))):
            superscript = items[k + 1]
            items[k] = '_'
            items[k + 1] = items[k + 3]
            items[k + 2] = '^'
            items[k + 3] = superscript
            k += 3
        k += 1


def _is_term_token(node) -> bool:
    if not isinstance(node, str):
        return True
    if _is_letter_or_digit(node):
        return True
    return is_control_word(node) and node not in _TERM_BOUNDARIES and node not in _TERM_ENDS and node not in _GENERALIZED_FRACTIONS


def _term_start(items, end) -> int:
    k = end - 1
    while k >= 2 and _is_script(_get(items, k - 1)):
        k -= 2
    if k < 0:
        return -1
    base = items[k]
    if base == ')':
        depth = 0
        for j in range(k, -1, -1):
            if items[j] == ')':
                depth += 1
            elif items[j] == '(':
                depth -= 1
                if depth == 0:
                    return j
        return -1
    if _is_digit(base):
        while k > 0 and (_is_digit(_get(items, k - 1)) or (_get(items, k - 1) == '.' and _is_digit(_get(items, k - 2)))):
            k -= 2 if items[k - 1] == '.' else 1
        return k
    return k if _is_term_token(base) else -1


def _term_end(items, start) -> int:
    base = _get(items, start)
    if base is None:
        return -1
    k = start + 1
    if base == '(':
        depth = 0
        k = -1
        for j in range(start, len(items)):
            if items[j] == '(':
                depth += 1
            elif items[j] == ')':
                depth -= 1
                if depth == 0:
                    k = j + 1
                    break
        if k < 0:
            return -1
    elif _is_digit(base):
        while _is_digit(_get(items, k)) or (_get(items, k) == '.' and _is_digit(_get(items, k + 1))):
            k += 1
    elif not _is_term_token(base):
        return -1
    while _is_script(_get(items, k)) and k + 1 < len(items):
        k += 2
    return k


def _operand(term):
    if len(term) == 1 and _is_group(term[0]):
        return term[0]
    if len(term) > 2 and term[0] == '(' and term[-1] == ')' and _term_end(term, 0) == len(term):
        return _simplify_group(term[1:-1])
    return _simplify_group(term)


def _convert_slashes(items):
    if '/' not in items:
        return items
    out = []
    k = 0
    while k < len(items):
        item = items[k]
        out.append(item)
        if item != '/' or k == 0:
            k += 1
            continue
        slash = len(out) - 1
        start = _term_start(out, slash)
        before = _get(out, start - 1)
        end = _term_end(items, k + 1) if start >= 0 else -1
        after = _get(items, end)
        if (start < 0 or (start > 0 and not (isinstance(before, str) and before in _TERM_BOUNDARIES)) or end < 0
                or (end < len(items) and not (isinstance(after, str) and after in _TERM_ENDS))):
            k += 1
            continue
        numerator = _operand(out[start:slash])
        denominator = _operand(items[k + 1:end])
        if _starts_with_font_switch(numerator) or _starts_with_font_switch(denominator):
            k += 1
            continue
        del out[start:]
        out += ['\\frac', numerator, denominator]
        k = end
    return out


def _rename_variables(tokens):
    names: dict[str, str] = {}
    lower = upper = 0
    out = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token in _LITERAL_ARGUMENTS and _get(tokens, i + 1) == '{':
            end = _group_end(tokens, i + 1)
            out += tokens[i:end]
            i = end
            continue
        if len(token) == 1 and token in _ASCII_LETTERS:
            renamed = names.get(token)
            if renamed is None:
                if token.islower():
                    renamed = chr(97 + lower)
                    lower += 1
                else:
                    renamed = chr(65 + upper)
                    upper += 1
                names[token] = renamed
            out.append(renamed)
        else:
            out.append(token)
        i += 1
    return out


# ------------------------------------------------------------------------------------------------
# Vocabulary

class Vocabulary:
    """Token ids from the shared vocab.json; unknown tokens map to [UNK]."""

    def __init__(self, path: Path = VOCAB_PATH):
        data = json.loads(path.read_text(encoding='utf8'))
        self.tokens: list[str] = data['tokens']
        self.ids = {token: index for index, token in enumerate(self.tokens)}
        self.unknown = self.ids['[UNK]']
        self.padding = self.ids['[PAD]']

    def encode(self, tokens: list[str]) -> list[int]:
        return [self.ids.get(token, self.unknown) for token in tokens]

    def __len__(self) -> int:
        return len(self.tokens)


def main() -> int:
    vocabulary = Vocabulary() if VOCAB_PATH.exists() else None
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        try:
            tokens, _ = tokenize_formula(request['latex'], request.get('macros', ''))
        except TokenizeError as error:
            print(json.dumps({'error': str(error)}))
            continue
        canonical = canonicalize(tokens)
        print(json.dumps({
            'tokens': tokens,
            'canonical': canonical,
            'renamed': canonicalize(tokens, rename_variables=True),
            'ids': vocabulary.encode(canonical) if vocabulary else None,
        }, ensure_ascii=False))
    return 0


if __name__ == '__main__':
    sys.exit(main())
