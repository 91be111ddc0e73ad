import {
  ApiAnswer,
  ApiNoContent,
  ApiPage,
  ApiProblems,
  IfMatch,
  Located,
  Page,
  PathId,
  type Precondition,
  Versioned,
} from '@app/common';
import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiTags, ApiOperation } from '@nestjs/swagger';
import { Access } from '../access.decorator';
import { COMPANY_ADMINS, MANAGERS } from '../roles';
import { NotInSupportSession } from '../support-access/not-in-support-session.decorator';
import { CreateUserDto } from './dto/create-user.dto';
import { ListUsersQuery } from './dto/list-users.query';
import { UpdateUserDto } from './dto/update-user.dto';
import { UserView } from './user.view';
import { UsersService } from './users.service';

@ApiTags('users')
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @ApiOperation({ operationId: 'listUsers', summary: 'List users' })
  @ApiPage(UserView)
  @Access({ roles: MANAGERS, apiKeyScope: 'users:read' })
  @Get()
  list(@Query() query: ListUsersQuery): Promise<Page<UserView>> {
    return this.users.list(query);
  }

  @ApiOperation({ operationId: 'createUser', summary: 'Create a user' })
  @ApiAnswer(201, UserView, { located: true })
  @ApiProblems({ 409: 'A user with this e-mail exists' })
  @Access({ roles: COMPANY_ADMINS })
  @NotInSupportSession()
  @Versioned()
  @Post()
  @Located((user: UserView) => `/users/${user.id}`)
  create(@Body() dto: CreateUserDto): Promise<UserView> {
    return this.users.create(dto);
  }

  @ApiOperation({ operationId: 'getUser', summary: 'Get a user' })
  @ApiAnswer(200, UserView)
  @Access({ roles: MANAGERS, apiKeyScope: 'users:read' })
  @Versioned()
  @Get(':id')
  get(@PathId() id: string): Promise<UserView> {
    return this.users.get(id);
  }

  @ApiOperation({ operationId: 'updateUser', summary: 'Change a user (name, role, password, active)' })
  @ApiAnswer(200, UserView)
  @ApiProblems({ 409: 'The e-mail is taken, or the change would leave no active company admin' })
  @Access({ roles: COMPANY_ADMINS })
  @NotInSupportSession({ fields: ['password', 'role'] })
  @Versioned()
  @Patch(':id')
  update(
    @PathId() id: string,
    @Body() dto: UpdateUserDto,
    @IfMatch() precondition: Precondition | undefined,
  ): Promise<UserView> {
    return this.users.update(id, dto, precondition);
  }

  @ApiOperation({ operationId: 'deactivateUser', summary: 'Deactivate a user' })
  @ApiNoContent()
  @ApiProblems({ 409: 'The user is the last active company admin' })
  @Access({ roles: COMPANY_ADMINS })
  @Versioned()
  @Delete(':id')
  @HttpCode(204)
  deactivate(@PathId() id: string, @IfMatch() precondition: Precondition | undefined): Promise<void> {
    return this.users.deactivate(id, precondition);
  }
}
