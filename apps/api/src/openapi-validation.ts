import { strictDateSchema } from '@app/common';
import type { INestApplication, Type } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { ModulesContainer } from '@nestjs/core';
import type { OpenAPIObject } from '@nestjs/swagger';
import type { ParameterObject, SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { getMetadataStorage, ValidationTypes } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';

/**
 * The request constraints of the document, read from the validators the validation pipe runs:
 * the DTO classes of every route's body and query carry class-validator metadata, and each rule
 * becomes its JSON Schema keyword (MaxLength → maxLength, IsEmail → format: email, …). The
 * document then cannot promise less or more than the server enforces, and nobody writes a
 * constraint twice. Unknown body fields are refused (the pipe forbids them): every request
 * object schema is closed with `additionalProperties: false`.
 */
export function documentValidation(app: INestApplication, document: OpenAPIObject): void {
  const { bodies, queries } = routeDtos(app);
  const schemas = (document.components?.schemas ?? {}) as Record<string, SchemaObject>;
  for (const dto of bodies) {
    const schema = schemas[dto.name];
    if (!schema?.properties) continue;
    const required: string[] = [];
    for (const [property, rules] of rulesByProperty(dto)) {
      const target = schema.properties[property] as SchemaObject | undefined;
      if (!target) throw new Error(`${dto.name}.${property} is validated but not documented (add @ApiProperty)`);
      applyRules(target, rules);
      if (!rules.some(isOptional)) required.push(property);
      else if (rules.some((rule) => rule.name === 'isOptional') && !('$ref' in target)) target.nullable = true;
    }
    schema.required = required.length ? required : undefined;
    if (!schema.required) delete schema.required;
    schema.additionalProperties = false;
  }
  for (const operation of operations(document)) {
    const dto = queries.get(operation.operationId ?? '');
    if (!dto) continue;
    const rules = rulesByProperty(dto);
    for (const parameter of (operation.parameters ?? []) as ParameterObject[]) {
      if (parameter.in !== 'query') continue;
      const own = rules.get(parameter.name);
      if (!own) throw new Error(`query parameter ${parameter.name} of ${operation.operationId} is not validated`);
      applyRules((parameter.schema ?? (parameter.schema = {})) as SchemaObject, own);
      parameter.required = !own.some(isOptional);
    }
  }
}

type Rule = ValidationMetadata;

function isOptional(rule: Rule): boolean {
  return rule.type === ValidationTypes.CONDITIONAL_VALIDATION;
}

const TEXT_RULES = ['isString', 'maxLength', 'minLength', 'isLength', 'matches', 'isEmail', 'isUuid', 'isStrictDate'];
const KINDS: Record<string, string> = {
  ...Object.fromEntries(TEXT_RULES.map((name) => [name, 'string'])),
  isBoolean: 'boolean',
  isInt: 'integer',
  isNumber: 'number',
};

/** One rule → its keywords. Rules without a JSON Schema form (cross-field ones) are described by the DTO. */
function applyRules(schema: SchemaObject, rules: Rule[]): void {
  for (const rule of rules) {
    const target = rule.each && schema.items ? (schema.items as SchemaObject) : schema;
    const [first, second] = (rule.constraints ?? []) as unknown[];
    // `string | null` is `Object` to TypeScript's metadata: the rules say what the value is.
    const kind = rule.name ? KINDS[rule.name] : undefined;
    if (kind && (target.type === undefined || target.type === 'object')) target.type = kind;
    switch (rule.name ?? '') {
      case 'maxLength':
        target.maxLength = Number(first);
        break;
      case 'minLength':
        target.minLength = Number(first);
        break;
      case 'isLength':
        target.minLength = Number(first);
        if (second !== undefined) target.maxLength = Number(second);
        break;
      case 'matches':
        target.pattern = (first as RegExp).source;
        break;
      case 'isEmail':
        target.format = 'email';
        break;
      case 'isUuid':
        target.format = 'uuid';
        break;
      case 'isIn':
        target.enum = [...(first as unknown[])];
        break;
      case 'isInt':
        target.type = 'integer';
        break;
      case 'min':
        target.minimum = Number(first);
        break;
      case 'max':
        target.maximum = Number(first);
        break;
      case 'arrayMinSize':
        schema.minItems = Number(first);
        break;
      case 'arrayMaxSize':
        schema.maxItems = Number(first);
        break;
      case 'arrayUnique':
        schema.uniqueItems = true;
        break;
      case 'isStrictDate':
        Object.assign(target, strictDateSchema(first as Parameters<typeof strictDateSchema>[0]));
        break;
      default: // cross-field and custom rules: described by the DTO's own @ApiProperty
        break;
    }
  }
}

function rulesByProperty(dto: Type<unknown>): Map<string, Rule[]> {
  const rules = new Map<string, Rule[]>();
  for (const rule of getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false)) {
    const list = rules.get(rule.propertyName) ?? [];
    list.push(rule);
    rules.set(rule.propertyName, list);
  }
  return rules;
}

/** The body DTO classes of every route, and each operation's query DTO (by operationId). */
function routeDtos(app: INestApplication): { bodies: Set<Type<unknown>>; queries: Map<string, Type<unknown>> } {
  const bodies = new Set<Type<unknown>>();
  const queries = new Map<string, Type<unknown>>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const { metatype } of module.controllers.values()) {
      if (!metatype) continue;
      const prototype = (metatype as Type<unknown>).prototype as Record<string, unknown>;
      for (const method of Object.getOwnPropertyNames(prototype)) {
        const types = Reflect.getMetadata('design:paramtypes', prototype, method) as Type<unknown>[] | undefined;
        const args = Reflect.getMetadata(ROUTE_ARGS_METADATA, metatype, method) as
          Record<string, { index: number }> | undefined;
        if (!types || !args) continue;
        const operation = Reflect.getMetadata('swagger/apiOperation', prototype[method] as object) as
          { operationId?: string } | undefined;
        for (const [key, { index }] of Object.entries(args)) {
          const kind = Number(key.split(':')[0]);
          const type = types[index];
          if (!type || !getMetadataStorage().getTargetValidationMetadatas(type, '', true, false).length) continue;
          if (kind === Number(RouteParamtypes.BODY)) bodies.add(type);
          if (kind === Number(RouteParamtypes.QUERY) && operation?.operationId)
            queries.set(operation.operationId, type);
        }
      }
    }
  }
  return { bodies, queries };
}

function* operations(document: OpenAPIObject) {
  for (const path of Object.values(document.paths)) {
    for (const method of ['get', 'post', 'put', 'patch', 'delete'] as const) {
      if (path[method]) yield path[method];
    }
  }
}
