/**
 * A small evaluator for ARM template expressions: enough for the VM/NIC/extension templates a
 * controller sends (parameters, variables, concat, format, resourceId, resourceGroup,
 * subscription, if/equals/empty/not/and/or, toLower/toUpper, string, json). Anything else makes
 * the deployment fail with InvalidTemplate, as an unknown function does in ARM.
 */

export class TemplateError extends Error {
  readonly code = "InvalidTemplate";
}

export interface TemplateContext {
  subscriptionId: string;
  resourceGroup: string;
  location: string;
  parameters: Record<string, unknown>;
  variables: Record<string, unknown>;
}

type Token = { t: "str"; v: string } | { t: "num"; v: number } | { t: "id"; v: string } | { t: "p"; v: string };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "'") {
      let value = "";
      i++;
      for (;;) {
        if (i >= text.length) throw new TemplateError(`unterminated string in expression [${text}]`);
        if (text[i] === "'") {
          if (text[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += text[i++];
      }
      tokens.push({ t: "str", v: value });
    } else if (/[0-9-]/.test(c)) {
      const m = /^-?\d+/.exec(text.slice(i))!;
      tokens.push({ t: "num", v: Number(m[0]) });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i))!;
      tokens.push({ t: "id", v: m[0] });
      i += m[0].length;
    } else if ("(),.[]".includes(c)) {
      tokens.push({ t: "p", v: c });
      i++;
    } else {
      throw new TemplateError(`unexpected character '${c}' in expression [${text}]`);
    }
  }
  return tokens;
}

function resourceId(ctx: TemplateContext, args: unknown[]): string {
  const strings = args.map(String);
  const typeAt = strings.findIndex((s) => s.includes("/"));
  if (typeAt < 0) throw new TemplateError("resourceId() needs a resource type such as Microsoft.Compute/virtualMachines");
  const scope = strings.slice(0, typeAt);
  const subscription = scope.length === 2 ? scope[0]! : ctx.subscriptionId;
  const group = scope.length >= 1 ? scope[scope.length - 1]! : ctx.resourceGroup;
  const [namespace, ...types] = strings[typeAt]!.split("/");
  const names = strings.slice(typeAt + 1);
  if (names.length !== types.length) {
    throw new TemplateError(`resourceId() for type ${strings[typeAt]} needs ${types.length} name(s), got ${names.length}`);
  }
  const path = types.map((type, i) => `${type}/${names[i]}`).join("/");
  return `/subscriptions/${subscription}/resourceGroups/${group}/providers/${namespace}/${path}`;
}

function callFunction(ctx: TemplateContext, name: string, args: unknown[]): unknown {
  switch (name.toLowerCase()) {
    case "parameters": {
      const key = String(args[0]);
      if (!(key in ctx.parameters)) throw new TemplateError(`The template parameter '${key}' is not found.`);
      return ctx.parameters[key];
    }
    case "variables": {
      const key = String(args[0]);
      if (!(key in ctx.variables)) throw new TemplateError(`The template variable '${key}' is not found.`);
      return ctx.variables[key];
    }
    case "concat":
      return args.every(Array.isArray) && args.length > 0 ? args.flat() : args.map((a) => String(a)).join("");
    case "format":
      return String(args[0]).replace(/\{(\d+)\}/g, (_, n: string) => String(args[Number(n) + 1]));
    case "resourceid":
      return resourceId(ctx, args);
    case "resourcegroup":
      return { name: ctx.resourceGroup, location: ctx.location, id: `/subscriptions/${ctx.subscriptionId}/resourceGroups/${ctx.resourceGroup}` };
    case "subscription":
      return { subscriptionId: ctx.subscriptionId, id: `/subscriptions/${ctx.subscriptionId}` };
    case "tolower":
      return String(args[0]).toLowerCase();
    case "toupper":
      return String(args[0]).toUpperCase();
    case "string":
      return typeof args[0] === "string" ? args[0] : JSON.stringify(args[0]);
    case "if":
      return args[0] ? args[1] : args[2];
    case "equals":
      return JSON.stringify(args[0]) === JSON.stringify(args[1]);
    case "empty":
      return (
        args[0] === "" ||
        args[0] == null ||
        (Array.isArray(args[0]) && args[0].length === 0) ||
        (typeof args[0] === "object" && Object.keys(args[0] as object).length === 0)
      );
    case "not":
      return !args[0];
    case "and":
      return args.every(Boolean);
    case "or":
      return args.some(Boolean);
    case "json":
      try {
        return JSON.parse(String(args[0]));
      } catch {
        throw new TemplateError(`json() got text that is not JSON`);
      }
    case "true":
      return true;
    case "false":
      return false;
    default:
      throw new TemplateError(`The template function '${name}' is not supported by the simulator.`);
  }
}

function parseExpression(ctx: TemplateContext, tokens: Token[]): unknown {
  let pos = 0;
  const peek = () => tokens[pos];
  const expect = (v: string) => {
    const tok = tokens[pos++];
    if (!tok || tok.t !== "p" || tok.v !== v) throw new TemplateError(`expected '${v}' in template expression`);
  };
  const value = (): unknown => {
    const tok = tokens[pos++];
    if (!tok) throw new TemplateError("unexpected end of template expression");
    let result: unknown;
    if (tok.t === "str" || tok.t === "num") result = tok.v;
    else if (tok.t === "id") {
      expect("(");
      const args: unknown[] = [];
      if (!(peek()?.t === "p" && peek()!.v === ")")) {
        for (;;) {
          args.push(value());
          const next = peek();
          if (next?.t === "p" && next.v === ",") {
            pos++;
            continue;
          }
          break;
        }
      }
      expect(")");
      result = callFunction(ctx, tok.v, args);
    } else throw new TemplateError(`unexpected '${tok.v}' in template expression`);
    // Property and index access: parameters('x').y, variables('a')[0]
    for (;;) {
      const next = peek();
      if (next?.t === "p" && next.v === ".") {
        pos++;
        const prop = tokens[pos++];
        if (!prop || prop.t !== "id") throw new TemplateError("expected a property name after '.'");
        result = (result as Record<string, unknown> | undefined)?.[prop.v];
      } else if (next?.t === "p" && next.v === "[") {
        pos++;
        const index = value();
        expect("]");
        result = (result as Record<string, unknown> | undefined)?.[String(index)];
      } else break;
    }
    return result;
  };
  const result = value();
  if (pos !== tokens.length) throw new TemplateError("unexpected text after template expression");
  return result;
}

/** Evaluates one string: `[expr]` is an expression, `[[...` an escaped literal. */
export function evaluateString(ctx: TemplateContext, text: string): unknown {
  if (text.startsWith("[[")) return text.slice(1);
  if (text.startsWith("[") && text.endsWith("]")) return parseExpression(ctx, tokenize(text.slice(1, -1)));
  return text;
}

export function evaluateValue(ctx: TemplateContext, value: unknown): unknown {
  if (typeof value === "string") return evaluateString(ctx, value);
  if (Array.isArray(value)) return value.map((v) => evaluateValue(ctx, v));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, evaluateValue(ctx, v)]));
  }
  return value;
}
