import { TENANT_SLUG_PATTERN } from '@app/tenancy';
import { INestApplication } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import type { OpenAPIObject } from '@nestjs/swagger';
import type { ParameterObject, SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { getMetadataStorage } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';

/**
 * Makes the document as strict as the server, so that a client or a validating proxy checked
 * against it refuses what the server refuses:
 * - request bodies take no unknown field (the ValidationPipe's `forbidNonWhitelisted`);
 * - each body property carries the class-validator constraints the server checks it with
 *   (lengths, patterns, email, UUID, dates, numbers), read from the DTO class of the same name —
 *   the run-time twin of the Swagger CLI plugin's `classValidatorShim`, which this tsc build lacks;
 * - path ids are UUIDs and path slugs tenant slugs (the UuidPipe and SlugPipe of every route).
 */
export function documentValidation(app: INestApplication, document: OpenAPIObject): void {
  const schemas = document.components?.schemas ?? {};
  const bodies = requestBodySchemaNames(document);
  for (const dto of handlerParameterClasses(app)) {
    const schema = schemas[dto.name];
    if (!schema || '$ref' in schema || !bodies.has(dto.name)) continue;
    schema.additionalProperties = false;
    for (const rule of getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false)) {
      const property = schema.properties?.[rule.propertyName];
      if (!property || '$ref' in property) continue;
      const constrained = rule.each && property.items && !('$ref' in property.items) ? property.items : property;
      applyRule(constrained, rule);
    }
  }
  for (const operations of Object.values(document.paths)) {
    for (const operation of Object.values(operations) as { parameters?: ParameterObject[] }[]) {
      for (const parameter of operation.parameters ?? []) {
        if (parameter.in !== 'path' || !parameter.schema || '$ref' in parameter.schema) continue;
        if (parameter.name === 'id') parameter.schema.format = 'uuid';
        if (parameter.name === 'slug') parameter.schema.pattern = TENANT_SLUG_PATTERN.source;
      }
    }
  }
}

/** One class-validator rule as its JSON Schema keyword (a rule JSON Schema cannot say is left out). */
function applyRule(property: SchemaObject, rule: ValidationMetadata): void {
  const [first, second] = rule.constraints ?? [];
  switch (rule.name ?? '') {
    case 'isString':
      property.type = 'string';
      break;
    case 'maxLength':
      Object.assign(property, { type: 'string', maxLength: first });
      break;
    case 'minLength':
      Object.assign(property, { type: 'string', minLength: first });
      break;
    case 'matches':
      // A flag (e.g. `i`) has no JSON Schema form: such a pattern stays the server's alone.
      if (first instanceof RegExp && !first.flags && second === undefined)
        Object.assign(property, { type: 'string', pattern: first.source });
      break;
    case 'isEmail':
      Object.assign(property, { type: 'string', format: 'email' });
      break;
    case 'isUuid':
      Object.assign(property, { type: 'string', format: 'uuid' });
      break;
    case 'isStrictDate':
      Object.assign(property, {
        type: 'string',
        ...(first === 'date' || first === 'date-time' ? { format: first } : {}),
      });
      break;
    case 'isBoolean':
      property.type = 'boolean';
      break;
    case 'isInt':
      property.type = 'integer';
      break;
    case 'min':
      property.minimum = first;
      break;
    case 'max':
      property.maximum = first;
      break;
  }
}

/** The component names that some operation takes as its JSON request body. */
function requestBodySchemaNames(document: OpenAPIObject): Set<string> {
  const names = new Set<string>();
  for (const operations of Object.values(document.paths)) {
    for (const operation of Object.values(operations) as { requestBody?: unknown }[]) {
      const ref = JSON.stringify(operation.requestBody ?? {}).match(/"#\/components\/schemas\/([^"]+)"/);
      if (ref) names.add(ref[1]);
    }
  }
  return names;
}

/** The classes the routes' handlers take (bodies, queries), as Swagger reads them: from the parameter types. */
function handlerParameterClasses(app: INestApplication): Set<DtoClass> {
  const classes = new Set<DtoClass>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const { metatype } of module.controllers.values()) {
      const prototype: unknown = metatype?.prototype;
      if (typeof prototype !== 'object' || prototype === null) continue;
      for (const method of Object.getOwnPropertyNames(prototype)) {
        const types: unknown = Reflect.getMetadata('design:paramtypes', prototype, method);
        if (!Array.isArray(types)) continue;
        for (const type of types) if (isClass(type)) classes.add(type);
      }
    }
  }
  return classes;
}

type DtoClass = abstract new (...args: never[]) => unknown;

const isClass = (value: unknown): value is DtoClass => typeof value === 'function';
